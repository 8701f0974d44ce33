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

// htmx leaves error responses unswapped; say what went wrong (e.g. 429, 403) instead of
// doing nothing.
document.addEventListener("htmx:responseError", (event) => {
  const doc = new DOMParser().parseFromString(event.detail.xhr.responseText, "text/html");
  const heading = doc.querySelector("main h1");
  const detail = doc.querySelector("main p");
  let box = document.getElementById("htmx-error");
  if (!box) {
    box = document.createElement("div");
    box.id = "htmx-error";
    box.className = "message error";
    box.setAttribute("role", "alert");
    document.querySelector("main").prepend(box);
  }
  box.textContent = [heading?.textContent, detail?.textContent].filter(Boolean).join(": ")
    || "Something went wrong. Please try again.";
});
