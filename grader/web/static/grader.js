// One job: a click on a quote (or a page arrow) shows that document page in the side pane,
// the quote highlighted, without leaving the sheet. Without JavaScript the link opens the page.
let opener = null;
document.addEventListener("click", async (event) => {
  const link = event.target.closest("a[data-pane]");
  const pane = document.getElementById("docpane");
  if (!link || !pane) return;
  event.preventDefault();
  const url = new URL(link.href);
  url.searchParams.set("partial", "1");
  const response = await fetch(url, { credentials: "same-origin" });
  pane.innerHTML = await response.text();
  const mark = pane.querySelector("#hl");
  if (mark) mark.scrollIntoView({ block: "center" });
  // From the keyboard (Enter gives a click of detail 0) the pane comes after every criterion
  // in tab order: take the focus there, and give it back to the quote with Escape.
  if (event.detail === 0) {
    if (!pane.contains(link)) opener = link;
    pane.focus({ preventScroll: true });
  }
});
document.addEventListener("keydown", (event) => {
  const pane = document.getElementById("docpane");
  if (event.key === "Escape" && opener && pane && pane.contains(document.activeElement)) {
    opener.focus();
  }
});
