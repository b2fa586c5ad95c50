// Uploads on the item page: drop or choose several files. Each file goes up in its own request,
// so each has its own progress bar and result, and a refused or failed file never stops the
// others. Without this script the form still posts the files and the page shows a message each.
(function () {
    "use strict";
    var MAX_AT_ONCE = 2;

    function element(tag, className, text) {
        var node = document.createElement(tag);
        if (className) {
            node.className = className;
        }
        if (text) {
            node.textContent = text;
        }
        return node;
    }

    // Like Django's filesizeformat, so sizes read the same before and after uploading.
    function formatSize(bytes) {
        var units = ["bytes", "KB", "MB", "GB"];
        var value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit += 1;
        }
        return unit === 0 ? bytes + " bytes" : value.toFixed(1) + " " + units[unit];
    }

    function hasFiles(event) {
        var types = event.dataTransfer && event.dataTransfer.types;
        return Boolean(types) && Array.prototype.indexOf.call(types, "Files") !== -1;
    }

    function parseJson(xhr) {
        try {
            return JSON.parse(xhr.responseText);
        } catch (error) {
            return null;
        }
    }

    // One row of the list: the file's name, size, progress and result.
    function Row(file, onRetry) {
        this.file = file;
        this.element = element("li", "border rounded p-2 mb-2");
        var top = element("div", "d-flex flex-wrap justify-content-between gap-2");
        top.appendChild(element("span", "fw-semibold text-break", file.name));
        var size = formatSize(file.size);
        top.appendChild(element("span", "small text-body-secondary text-nowrap", size));
        var line = element("div", "d-flex align-items-center gap-2 mt-1");
        this.bar = element("progress", "flex-grow-1");
        this.bar.max = 100;
        this.bar.value = 0;
        this.bar.setAttribute("aria-label", "Upload of " + file.name);
        this.percent = element("span", "small text-nowrap", "Waiting");
        line.appendChild(this.bar);
        line.appendChild(this.percent);
        this.result = element("p", "small mb-0 mt-1");
        this.retry = element("button", "btn btn-sm btn-outline-primary mt-1", "Try again");
        this.retry.type = "button";
        this.retry.hidden = true;
        this.retry.addEventListener("click", onRetry);
        this.element.appendChild(top);
        this.element.appendChild(line);
        this.element.appendChild(this.result);
        this.element.appendChild(this.retry);
    }

    Row.prototype.start = function () {
        this.retry.hidden = true;
        this.result.textContent = "";
        this.result.className = "small mb-0 mt-1";
        this.progress(0);
    };

    Row.prototype.progress = function (fraction) {
        var percent = Math.round(fraction * 100);
        this.bar.value = percent;
        this.percent.textContent = percent >= 100 ? "Checking…" : percent + "%";
    };

    Row.prototype.finish = function (text, className) {
        this.percent.textContent = "";
        this.result.className = "small mb-0 mt-1 " + className;
        this.result.textContent = text;
    };

    Row.prototype.stored = function (result) {
        this.bar.value = 100;
        var duplicate = result && result.duplicate;
        if (!duplicate) {
            this.finish("Added.", "text-success");
            return "added.";
        }
        this.finish("Added, but you uploaded the same file to ", "text-warning-emphasis");
        var link = element("a", "", duplicate.item_title);
        link.href = duplicate.item_url;
        this.result.appendChild(link);
        this.result.appendChild(document.createTextNode(" on " + duplicate.uploaded_on + "."));
        return "added, but it is the same as a file on " + duplicate.item_title + ".";
    };

    Row.prototype.refused = function (reason) {
        this.bar.value = 0;
        this.finish("Not added. " + reason, "text-danger");
        return "not added. " + reason;
    };

    Row.prototype.failed = function (reason) {
        this.refused(reason);
        this.retry.hidden = false;
        return "not added. " + reason;
    };

    function setUp(area) {
        if (area.hasAttribute("data-upload-ready")) {
            return;  // the page loaded the script twice
        }
        area.setAttribute("data-upload-ready", "");
        var form = area.querySelector("[data-upload-form]");
        var input = form.querySelector("input[type=file]");
        var zone = area.querySelector("[data-drop-zone]");
        var list = area.querySelector("[data-upload-list]");
        var status = area.querySelector("[data-upload-status]");
        var refresh = area.querySelector("[data-upload-refresh]");
        var maxSize = Number(area.getAttribute("data-max-file-size"));
        var maxSizeText = area.getAttribute("data-max-file-size-text");
        var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
        var waiting = [];
        var running = 0;
        var added = 0;
        var notAdded = 0;

        // Choosing or dropping files starts the upload, so the button is only for no script.
        area.querySelector("[data-upload-submit]").hidden = true;
        input.required = false;

        function announce(text) {
            status.appendChild(element("span", "", text + " "));
        }

        function add(files) {
            if (waiting.length === 0 && running === 0) {
                status.textContent = "";
                added = 0;
                notAdded = 0;
            }
            Array.prototype.forEach.call(files, function (file) {
                var row = new Row(file, function () {
                    notAdded = Math.max(notAdded - 1, 0);
                    waiting.push(row);
                    pump();
                });
                list.appendChild(row.element);
                if (file.size > maxSize) {
                    notAdded += 1;
                    announce(file.name + ": " + row.refused(
                        "It is larger than the limit of " + maxSizeText + " a file."
                    ));
                    return;
                }
                waiting.push(row);
            });
            pump();
        }

        function pump() {
            while (running < MAX_AT_ONCE && waiting.length > 0) {
                send(waiting.shift());
            }
        }

        function send(row) {
            running += 1;
            row.start();
            var xhr = new XMLHttpRequest();
            xhr.open("POST", form.action);
            xhr.setRequestHeader("Accept", "application/json");
            xhr.setRequestHeader("X-CSRFToken", token);
            xhr.upload.addEventListener("progress", function (event) {
                if (event.lengthComputable) {
                    row.progress(event.loaded / event.total);
                }
            });
            xhr.addEventListener("load", function () {
                done(row, answer(row, xhr));
            });
            xhr.addEventListener("error", function () {
                notAdded += 1;
                done(row, row.failed("The connection failed before the file arrived."));
            });
            xhr.addEventListener("abort", function () {
                notAdded += 1;
                done(row, row.failed("The upload was stopped."));
            });
            var data = new FormData();
            data.append("csrfmiddlewaretoken", token);
            data.append("files", row.file, row.file.name);
            xhr.send(data);
        }

        // What the server's answer means for this row; returns the words to announce.
        function answer(row, xhr) {
            var data = parseJson(xhr);
            if (xhr.status === 201 && data) {
                added += 1;
                return row.stored(data.results[0]);
            }
            notAdded += 1;
            if (xhr.status === 400 && data) {
                return row.refused(data.error);
            }
            if (xhr.status === 403) {
                return row.failed(
                    "You cannot add files to this item now. Reload the page and try again."
                );
            }
            if (xhr.status === 404) {
                return row.refused("This item is no longer there.");
            }
            if (xhr.status === 413) {
                return row.refused("The server refused a file this large.");
            }
            if (xhr.status === 200) {
                // Redirected to the sign-in page: the session ended while the page was open.
                return row.failed(
                    "You have been signed out. Sign in again in another tab, then try again."
                );
            }
            return row.failed("The server could not store the file (error " + xhr.status + ").");
        }

        function done(row, words) {
            announce(row.file.name + ": " + words);
            running -= 1;
            pump();
            if (running === 0 && waiting.length === 0) {
                finished();
            }
        }

        function finished() {
            announce(
                added + (added === 1 ? " file" : " files") + " added, " + notAdded + " not added."
            );
            if (added > 0) {
                reloadList();
            }
        }

        // Replace the file list with a fresh copy of this page's, so new files show at once.
        function reloadList() {
            var current = document.querySelector("[data-evidence-file-list]");
            if (!current || !window.fetch || !window.DOMParser) {
                refresh.hidden = false;
                return;
            }
            window.fetch(window.location.href, {credentials: "same-origin"})
                .then(function (response) {
                    if (!response.ok) {
                        throw new Error("status " + response.status);
                    }
                    return response.text();
                })
                .then(function (html) {
                    var page = new DOMParser().parseFromString(html, "text/html");
                    var fresh = page.querySelector("[data-evidence-file-list]");
                    if (!fresh) {
                        throw new Error("no file list on the page");
                    }
                    current.replaceWith(document.importNode(fresh, true));
                })
                .catch(function () {
                    refresh.hidden = false;
                });
        }

        input.addEventListener("change", function () {
            add(input.files);
            input.value = "";
        });
        form.addEventListener("submit", function (event) {
            event.preventDefault();
            add(input.files);
            input.value = "";
        });
        ["dragenter", "dragover"].forEach(function (name) {
            zone.addEventListener(name, function (event) {
                if (hasFiles(event)) {
                    event.preventDefault();
                    zone.classList.add("border-primary", "bg-primary-subtle");
                }
            });
        });
        ["dragleave", "drop"].forEach(function (name) {
            zone.addEventListener(name, function (event) {
                if (name === "drop" || !zone.contains(event.relatedTarget)) {
                    zone.classList.remove("border-primary", "bg-primary-subtle");
                }
            });
        });
        zone.addEventListener("drop", function (event) {
            if (hasFiles(event)) {
                event.preventDefault();
                add(event.dataTransfer.files);
            }
        });
        // A file dropped beside the zone would otherwise replace the page with the file.
        ["dragover", "drop"].forEach(function (name) {
            window.addEventListener(name, function (event) {
                if (hasFiles(event) && !zone.contains(event.target)) {
                    event.preventDefault();
                }
            });
        });
    }

    Array.prototype.forEach.call(document.querySelectorAll("[data-evidence-upload]"), setUp);
})();
