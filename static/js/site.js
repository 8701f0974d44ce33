// Small progressive enhancements; every page works without this file.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  navigator.clipboard.writeText(field.value).then(
    () => { button.textContent = "Copied"; },
    () => { field.select(); },
  );
});

// Say what went wrong in an alert, instead of htmx quietly doing nothing.
function showAlert(text) {
  let box = document.getElementById("htmx-error");
  if (!box) {
    box = document.createElement("div");
    box.id = "htmx-error";
    box.className = "message error";
    box.setAttribute("role", "alert");
    document.querySelector("main").prepend(box);
  }
  box.textContent = text || "Something went wrong. Please try again.";
}

// A refusal the server explains (HX-Trigger: studygroup:refused).
document.addEventListener("studygroup:refused", (event) => showAlert(event.detail.message));

// Error responses htmx leaves unswapped (429, 403, 500): show their heading and reason.
document.addEventListener("htmx:responseError", (event) => {
  const doc = new DOMParser().parseFromString(event.detail.xhr.responseText, "text/html");
  const parts = [doc.querySelector("main h1"), doc.querySelector("main p")];
  showAlert(parts.filter(Boolean).map((node) => node.textContent).join(": "));
});
