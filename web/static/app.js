// Keyboard shortcuts for the review queue: j/k move, Enter opens, e edits, a approves,
// r rejects. The page works without this file; it only adds keys.
(function () {
  "use strict";

  function typing(event) {
    var t = event.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("table.queue tr.row"));
  }

  function current() {
    return document.querySelector("table.queue tr.row.selected");
  }

  function select(row) {
    var old = current();
    if (old) { old.classList.remove("selected"); old.removeAttribute("aria-selected"); }
    if (!row) { return; }
    row.classList.add("selected");
    row.setAttribute("aria-selected", "true");
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var at = all.indexOf(current());
    var next = at < 0 ? 0 : Math.min(all.length - 1, Math.max(0, at + step));
    select(all[next]);
  }

  function press(row, key) {
    var button = row && row.querySelector('button[data-key="' + key + '"]');
    if (button) { button.click(); }
  }

  function open(row, edit) {
    if (!row) { return; }
    window.location.href = row.getAttribute("data-href") + (edit ? "#headline" : "");
  }

  document.addEventListener("keydown", function (event) {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "e" && document.getElementById("headline") && !rows().length) {
      event.preventDefault();
      document.getElementById("headline").focus();
      return;
    }
    var actions = {
      j: function () { move(1); },
      k: function () { move(-1); },
      Enter: function () { open(current(), false); },
      o: function () { open(current(), false); },
      e: function () { open(current(), true); },
      a: function () { press(current(), "a"); },
      r: function () { press(current(), "r"); }
    };
    if (actions[event.key] && (rows().length || event.key === "e")) {
      event.preventDefault();
      actions[event.key]();
    }
  });

  window.addEventListener("load", function () {
    if (window.location.hash === "#headline" && document.getElementById("headline")) {
      document.getElementById("headline").focus();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var all = rows();
    all.forEach(function (row) {
      row.addEventListener("click", function () { select(row); });
    });
    if (all.length) { select(all[0]); }
  });
})();
