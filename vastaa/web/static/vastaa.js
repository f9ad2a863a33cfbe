// Vastaa's only script besides htmx: live SLA countdowns and keyboard shortcuts.
// No inline scripts anywhere (the CSP forbids them); all text comes translated from the page.
(function () {
  "use strict";

  // SLA countdowns ---------------------------------------------------------------------------
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-due]").forEach(function (el) {
      var seconds = (Date.parse(el.dataset.due) - now) / 1000;
      var minutes = seconds >= 0 ? Math.floor(seconds / 60) : -Math.floor(-seconds / 60);
      var late = minutes < 0;
      // Under two hours the text counts minutes (the page's own words for "0 min", with the
      // number swapped); longer spans keep the server's wording until the next refresh.
      var template = late ? el.dataset.late : el.dataset.left;
      if (template && Math.abs(minutes) < 120) {
        el.textContent = template.replace(/\d+/, String(Math.abs(minutes)));
      }
      el.classList.toggle("sla-missed", late);
      el.classList.toggle("sla-soon", !late && minutes <= 15);
    });
  }
  setInterval(tick, 30000);
  document.addEventListener("htmx:afterSwap", tick);

  // Keyboard shortcuts -----------------------------------------------------------------------
  function csrf() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (e) {
      return "";
    }
  }
  function post(url, fields) {
    var body = new URLSearchParams(fields);
    body.set("csrf_token", csrf());
    return fetch(url, { method: "POST", body: body, credentials: "same-origin" });
  }
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("tr.row[data-conversation]"));
  }
  var selectedId = null;
  function selected() {
    return rows().filter(function (r) { return r.dataset.conversation === selectedId; })[0];
  }
  function select(row) {
    rows().forEach(function (r) { r.classList.remove("selected"); });
    if (!row) return;
    selectedId = row.dataset.conversation;
    row.classList.add("selected");
    row.scrollIntoView({ block: "nearest" });
  }
  function move(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.indexOf(selected());
    select(all[Math.max(0, Math.min(all.length - 1, index < 0 ? 0 : index + step))]);
  }
  function current() {
    var row = selected();
    if (row) return row.dataset.conversation;
    var page = document.querySelector("[data-conversation-page]");
    return page ? page.dataset.conversationPage : null;
  }
  function refresh() {
    var layout = document.querySelector(".inbox-layout");
    if (!layout || !window.htmx) return location.reload();
    window.htmx.ajax("GET", layout.getAttribute("hx-get"), {
      target: "#inbox-live", select: "#inbox-live", swap: "outerHTML"
    });
  }
  document.addEventListener("htmx:afterSwap", function () {
    if (selectedId) select(selected());
  });
  var help = function () { return document.getElementById("shortcuts"); };
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Enter" && target.closest && target.closest("button, a, summary")) return;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) {
      if (event.key === "Escape") target.blur();
      return;
    }
    var id = current();
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "o": case "Enter": if (selected()) location.href = "/conversations/" + id; else return; break;
      case "u": location.href = "/"; break;
      case "/": var search = document.querySelector("input[name=q]"); if (search) search.focus(); else return; break;
      case "a": if (id) post("/conversations/" + id + "/assign", { assignee: "me" }).then(refresh); break;
      case "e": if (id) post("/conversations/" + id + "/status", { status: "resolved" }).then(refresh); break;
      case "s": if (id) post("/conversations/" + id + "/snooze", { until: "4h" }).then(refresh); break;
      case "r": var reply = document.querySelector("[data-reply]"); if (reply) reply.focus(); else if (id) location.href = "/conversations/" + id + "#reply"; break;
      case "?": var overlay = help(); if (overlay) overlay.hidden = !overlay.hidden; break;
      case "Escape": var shown = help(); if (shown) shown.hidden = true; break;
      default: return;
    }
    event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    var overlay = help();
    if (overlay && event.target === overlay) overlay.hidden = true;
  });
})();
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("[data-help]")) {
    var overlay = document.getElementById("shortcuts");
    if (overlay) overlay.hidden = !overlay.hidden;
  }
});
// While rows are ticked for a bulk action, the live refresh waits (it would untick them).
document.addEventListener("htmx:beforeRequest", function (event) {
  var source = event.detail && event.detail.elt;
  if (source && source.classList && source.classList.contains("inbox-layout") &&
      document.querySelector("input.pick:checked")) {
    event.preventDefault();
  }
});
// Collision detection: typing in any text box of a conversation reports "writing" at once.
document.addEventListener("input", function (event) {
  if (!event.target.matches || !event.target.matches("[data-conversation-page] textarea")) return;
  var field = document.querySelector("[data-activity]");
  if (!field) return;
  var was = field.value;
  field.value = event.target.value.trim() ? "drafting" : "viewing";
  if (was !== field.value && window.htmx) window.htmx.trigger(field.form, "presence");
});
// Saved replies and article links: inserted where the cursor is, then coached again.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-insert]");
  var box = document.getElementById("reply-text");
  if (!button || !box) return;
  var text = button.dataset.insert;
  var start = box.selectionStart || 0, end = box.selectionEnd || 0;
  box.value = box.value.slice(0, start) + text + box.value.slice(end);
  box.selectionStart = box.selectionEnd = start + text.length;
  box.focus();
  box.dispatchEvent(new Event("keyup", { bubbles: true }));
  box.dispatchEvent(new Event("input", { bubbles: true }));
});
// "Suggest a draft": ask for one (each click another wording) and put it in the reply box.
(function () {
  var asked = 0;
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-draft-url]");
    var box = document.getElementById("reply-text");
    if (!button || !box) return;
    var body = new URLSearchParams();
    var lang = document.getElementById("reply-lang");
    body.set("lang", lang ? lang.value : "");
    body.set("n", String(asked++));
    var headers = {};
    try { headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}"); } catch (e) {}
    fetch(button.dataset.draftUrl, { method: "POST", body: body, headers: headers, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (text) {
        box.value = text;
        box.focus();
        box.dispatchEvent(new Event("keyup", { bubbles: true }));
        box.dispatchEvent(new Event("input", { bubbles: true }));
      });
  });
})();
// "Copy the text" of a reply to post by hand.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-copy]");
  if (!button || !navigator.clipboard) return;
  navigator.clipboard.writeText(button.dataset.copy).then(function () {
    button.classList.add("copied");
  });
});
// "Continue in a direct message" (R18): offer the short public answer when the box holds
// nothing of the agent's own yet (empty, or only the signature).
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box || box.id !== "move-to-private" || !box.checked) return;
  var reply = document.getElementById("reply-text");
  if (!reply || !box.dataset.publicText) return;
  var own = reply.value.trim();
  if (own === "" || own === reply.defaultValue.trim()) {
    reply.value = box.dataset.publicText;
    reply.dispatchEvent(new Event("keyup", { bubbles: true }));
  }
});
