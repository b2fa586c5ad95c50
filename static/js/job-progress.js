// A job's page while the work goes on: asks for its status every second, moves the progress
// bar, and reloads the page once the job has finished so that it shows the download.
(function () {
    "use strict";
    var box = document.querySelector("[data-job-status-url]");
    if (!box || !window.fetch) {
        return;
    }
    var bar = box.querySelector("progress");
    var stage = box.querySelector("[data-job-stage]");
    var url = box.getAttribute("data-job-status-url");

    function poll() {
        fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin"})
            .then(function (response) {
                if (!response.ok) {
                    throw new Error("status " + response.status);
                }
                return response.json();
            })
            .then(function (job) {
                if (job.finished) {
                    window.location.reload();
                    return;
                }
                bar.value = job.progress;
                bar.textContent = job.progress + "%";
                stage.textContent = job.status_label + ": " + job.stage;
                window.setTimeout(poll, 1000);
            })
            .catch(function () {
                // Off line for a moment, or signed out: slower, and the Refresh link stays.
                window.setTimeout(poll, 5000);
            });
    }
    window.setTimeout(poll, 1000);
})();
