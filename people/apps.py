from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = "People and enrolments"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .two_factor import step_after_sign_in

        user_logged_in.connect(step_after_sign_in, dispatch_uid="people.two_factor_step")
