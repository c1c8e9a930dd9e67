// Drag and drop onto the upload area; the plain file input keeps working without it.
(function () {
  "use strict";
  function listFiles(zone, files) {
    var list = zone.querySelector("[data-file-names]");
    if (!list) return;
    list.textContent = "";
    Array.prototype.forEach.call(files, function (file) {
      var item = document.createElement("li");
      item.textContent = file.name;
      list.appendChild(item);
    });
  }
  document.querySelectorAll("[data-dropzone]").forEach(function (zone) {
    var input = zone.querySelector("input[type=file]");
    input.addEventListener("change", function () { listFiles(zone, input.files); });
    listFiles(zone, input.files);  // files chosen before this script ran
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      input.files = event.dataTransfer.files;
      listFiles(zone, input.files);
    });
  });
})();
