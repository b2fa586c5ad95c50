// Every page: a link in an error summary moves the focus to the field it names (a plain
// link to a fragment only scrolls there), so a keyboard or screen reader user lands in it.
(function () {
    "use strict";
    document.addEventListener("click", function (event) {
        var link = event.target.closest && event.target.closest("[role=alert] a[href^='#']");
        if (!link) {
            return;
        }
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (!target) {
            return;
        }
        var field = target.matches("input, select, textarea, button")
            ? target
            : target.querySelector("input, select, textarea, button");
        if (field) {
            event.preventDefault();
            field.scrollIntoView({block: "center"});
            field.focus();
        }
    });
})();
