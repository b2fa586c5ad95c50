// Filter the mapping picker as the learner types: rows whose code or wording contains every
// typed word stay visible; ticked rows always stay, so nothing chosen disappears from view.
(function () {
    "use strict";
    var input = document.querySelector("[data-picker-filter]");
    var status = document.querySelector("[data-picker-status]");
    if (!input) {
        return;
    }
    var rows = Array.prototype.slice.call(document.querySelectorAll("[data-picker-row]"));
    var groups = Array.prototype.slice.call(document.querySelectorAll("[data-picker-group]"));

    function isTicked(row) {
        var box = row.querySelector("input[type=checkbox]");
        return box !== null && box.checked;
    }

    function apply() {
        var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
        var shown = 0;
        rows.forEach(function (row) {
            var text = row.getAttribute("data-search");
            var match = words.every(function (word) { return text.indexOf(word) !== -1; });
            var visible = match || isTicked(row);
            row.hidden = !visible;
            if (visible && row.querySelector("input[type=checkbox]")) {
                shown += 1;
            }
        });
        groups.forEach(function (group) {
            group.hidden = !group.querySelector("[data-picker-row]:not([hidden])");
        });
        status.textContent = words.length ? shown + " criteria shown" : "";
    }

    input.addEventListener("input", apply);
})();
