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

// Say what went wrong in an alert, instead of htmx quietly doing nothing: beside the form
// that was sent (a long page's top is far from it), else at the top of the page.
function showAlert(text, near) {
  let box = document.getElementById("htmx-error");
  if (!box) {
    box = document.createElement("div");
    box.id = "htmx-error";
    box.className = "message error";
    box.setAttribute("role", "alert");
  }
  const form = near && near.closest ? near.closest("form") : null;
  if (form) form.before(box);
  else document.querySelector("main").prepend(box);
  box.textContent = text || "Something went wrong. Please try again.";
}

// A refusal the server explains (HX-Trigger: studygroup:refused).
document.addEventListener("studygroup:refused", (event) => showAlert(event.detail.message, event.target));

// Error responses htmx leaves unswapped (429, 403, 500): show their heading and reason.
document.addEventListener("htmx:responseError", (event) => {
  const doc = new DOMParser().parseFromString(event.detail.xhr.responseText, "text/html");
  const parts = [doc.querySelector("main h1"), doc.querySelector("main p")];
  showAlert(parts.filter(Boolean).map((node) => node.textContent).join(": "), event.detail.elt);
  // A lost session (401): our own log-in form goes beside the member's, which keeps its text.
  const login = event.detail.xhr.status === 401 && doc.querySelector("[data-login-needed]");
  if (login) {
    const sent = event.detail.elt.closest("form") || document.getElementById("htmx-error");
    for (const old of document.querySelectorAll(".inline-login")) old.remove();
    sent.after(document.adoptNode(login));
    htmx.process(login);
    login.querySelector("input:not([type=hidden])").focus();
  }
});

// Logged in again in place: the page's forms take the new CSRF token, so "Post" works.
document.addEventListener("studygroup:logged-in", (event) => {
  const token = event.detail.csrf;
  document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRFToken": token }));
  for (const input of document.querySelectorAll("input[name=csrfmiddlewaretoken]")) {
    input.value = token;
  }
  for (const form of document.querySelectorAll(".inline-login")) {
    const note = document.createElement("p");
    note.className = "message success";
    note.setAttribute("role", "status");
    note.textContent = "You are logged in again. Press the button once more to send your text.";
    form.replaceWith(note);
  }
  document.getElementById("htmx-error")?.remove();
});

// An action that cannot be undone asks first (data-confirm); yes sends it confirmed, so the
// server skips the confirmation page it shows when JavaScript is off (core.http.confirm_first).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (!form) return;
  if (!window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  if (!form.querySelector("input[name=confirmed]")) {
    const yes = document.createElement("input");
    yes.type = "hidden";
    yes.name = "confirmed";
    yes.value = "yes";
    form.append(yes);
  }
});

// After a post sent with htmx the form that sent it is gone, and focus with it (to <body>):
// move focus to what the post made, the new answer, comment or reply, and say so in a polite
// live region. After an edit, a hide or a delete, focus goes to the post that changed.
// The region has no role="status": pages keep their one status message, which people (and
// the tests) find by that role; aria-live="polite" with aria-atomic is what the role implies.
const announcer = document.createElement("div");
announcer.id = "announcer";
announcer.className = "visually-hidden";
announcer.setAttribute("aria-live", "polite");
announcer.setAttribute("aria-atomic", "true");
document.body.append(announcer);

function announce(text) {
  announcer.textContent = "";  // the same words twice running are still read out
  setTimeout(() => { announcer.textContent = text; }, 100);
}

const POST_ID = /^(answer|comment)-(\d+)$/;
const posts = () => [...document.querySelectorAll(".answer[id], .comment[id]")]
  .filter((post) => POST_ID.test(post.id));
let sending = null;  // what was on the page before a post's response is swapped in

document.addEventListener("htmx:beforeSwap", (event) => {
  const { requestConfig, target, shouldSwap, xhr } = event.detail;
  if (!shouldSwap || requestConfig?.verb !== "post") return;
  const form = requestConfig.elt?.closest("form");
  sending = {
    xhr, before: new Set(posts().map((post) => post.id)), form: form?.id || "", target: target?.id || "",
  };
});

document.addEventListener("htmx:afterSettle", (event) => {
  // htmx settles each swapped element (and a swap of nothing settles none): act once, for this post.
  if (!sending || event.detail.xhr !== sending.xhr) return;
  const { before, form, target } = sending;
  sending = null;
  const number = (post) => Number(POST_ID.exec(post.id)[2]);
  const fresh = posts().filter((post) => !before.has(post.id)).sort((a, b) => number(b) - number(a));
  let made, message;
  if (form === "answer-form") {
    // With answer-first on, the others' answers arrive beside one's own: it is the one marked.
    made = fresh.find((post) => post.matches(".answer.mine"));
    message = "Your answer is posted.";
  } else if (form.startsWith("comment-on-") || form.startsWith("reply-")) {
    made = fresh.find((post) => post.matches(".comment"));  // the newest
    message = form.startsWith("reply-") ? "Your reply is posted." : "Your comment is posted.";
  }
  if (made) {
    made.setAttribute("tabindex", "-1");
    made.focus();
    announce(message);
    return;
  }
  const changed = POST_ID.test(target) && document.getElementById(target);
  const lost = !document.activeElement || document.activeElement === document.body;
  if (changed && lost) {
    changed.setAttribute("tabindex", "-1");
    changed.focus();
  }
});
