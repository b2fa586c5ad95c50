"""factory_boy factories for the catalogue and people. Tests name their people (alice...)."""

import datetime

import factory

from criteria.models import AssessmentCriterion, CriterionPart, LearningOutcome, Qualification, Unit
from people.models import Enrolment, EnrolmentUnit, User

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.LazyAttribute(lambda o: o.username.capitalize())
    last_name = "Tester"
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password(TEST_PASSWORD)


class QualificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Qualification

    code = factory.Sequence(lambda n: f"test-qualification-{n}")
    title = factory.Sequence(lambda n: f"Test Qualification {n}")
    awarding_body = "OCR"
    level = 3


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"test-unit-{n}")
    title = factory.Sequence(lambda n: f"Test unit {n}")
    level = 3
    credit_value = 3
    guided_learning_hours = 12

    @factory.post_generation
    def qualifications(self, create, extracted, **kwargs):
        if create and extracted:
            self.qualifications.add(*extracted)


class LearningOutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningOutcome

    unit = factory.SubFactory(UnitFactory)
    number = factory.Sequence(lambda n: n + 1)
    text = "Be able to do the thing"
    kind = LearningOutcome.Kind.COMPETENCE


class AssessmentCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentCriterion

    outcome = factory.SubFactory(LearningOutcomeFactory)
    number = factory.Sequence(lambda n: n + 1)
    text = "Do the thing well"


class CriterionPartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CriterionPart

    criterion = factory.SubFactory(AssessmentCriterionFactory)
    letter = "a"
    text = "a part of the thing"


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment
        skip_postgeneration_save = True

    learner = factory.SubFactory(UserFactory)
    qualification = factory.SubFactory(QualificationFactory)
    assessor = factory.SubFactory(UserFactory)
    iqa = factory.SubFactory(UserFactory)
    start_date = datetime.date(2026, 9, 1)
    planned_end_date = datetime.date(2027, 8, 31)

    @factory.post_generation
    def units(self, create, extracted, **kwargs):
        if not create:
            return
        units = extracted if extracted is not None else self.qualification.units.all()
        EnrolmentUnit.objects.bulk_create(EnrolmentUnit(enrolment=self, unit=u) for u in units)
