/* registry pages: changing the kind on the tag form reloads the form with that kind's own fields (htmx). */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.name !== "kind" || !select.form || select.form.id !== "tag-form") { return; }
    var form = select.form;
    form.querySelector("#tag-refresh").value = "1";
    if (window.htmx) {
      window.htmx.ajax("POST", form.action, { source: form, target: "#tag-form-wrap", swap: "innerHTML", values: { refresh: "1" } });
    } else {
      form.submit();
    }
    form.querySelector("#tag-refresh").value = "0";
  });
})();
