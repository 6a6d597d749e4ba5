/* Event page: the edit box starts from the chosen field's current value (the correction
 * if any, else the machine value), read from the option's data-current attribute. */
(function () {
  "use strict";
  var field = document.getElementById("edit-field");
  var value = document.getElementById("edit-value");
  if (!field || !value) { return; }
  field.addEventListener("change", function () {
    var option = field.options[field.selectedIndex];
    value.value = option ? option.getAttribute("data-current") || "" : "";
    value.focus();
  });
})();
