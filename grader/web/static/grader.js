// One job: a click on a quote (or a page arrow) shows that document page in the side pane,
// the quote highlighted, without leaving the sheet. Without JavaScript the link opens the page.
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
});
