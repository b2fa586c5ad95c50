// After a failed POST the page opens with its error summary: move the focus there, so a
// keyboard or screen reader user hears what went wrong before anything else.
(function () {
    "use strict";
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
        summary.focus();
        summary.scrollIntoView({block: "start"});
    }
})();
