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
