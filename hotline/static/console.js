// Commune/ward type-ahead: an input with data-communes (the JSON endpoint) and
// data-province (the id of the province select) offers matching names as you type.
(function () {
  "use strict";
  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var province = document.getElementById(input.dataset.province);
    var timer = null, asked = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var query = input.value.trim();
        if (!province || !province.value || query.length < 2 || query === asked) { return; }
        asked = query;
        var url = input.dataset.communes + "?province=" + encodeURIComponent(province.value) +
          "&q=" + encodeURIComponent(query);
        fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (response) { return response.ok ? response.json() : {communes: []}; })
          .then(function (data) {
            list.textContent = "";
            data.communes.forEach(function (commune) {
              var option = document.createElement("option");
              option.value = commune.name;
              list.appendChild(option);
            });
          })
          .catch(function () { /* the typed name is still checked on submit */ });
      }, 200);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-communes]").forEach(attach);
  });
})();

// An export being built (#export with data-status, the JSON endpoint): poll its
// progress, and reload the page (which then shows the link) once it is ready or failed.
(function () {
  "use strict";
  function poll(box) {
    var bar = document.getElementById("progress");
    var text = document.getElementById("progress-text");
    function ask() {
      fetch(box.dataset.status, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (data.state !== "queued" && data.state !== "running") {
            window.location.reload();
            return;
          }
          if (bar) { bar.value = data.percent; bar.textContent = data.percent + "%"; }
          if (text && data.state === "running") {
            text.textContent = text.textContent.replace(/\d+(\D+)\d+/, data.done + "$1" + data.total);
          }
          setTimeout(ask, 1000);
        })
        .catch(function () { setTimeout(ask, 3000); });
    }
    setTimeout(ask, 1000);
  }
  // A print button (data-print): the browser's print dialog, with the print styles.
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("export");
    if (box && (box.dataset.state === "queued" || box.dataset.state === "running")) { poll(box); }
    document.querySelectorAll("button[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
