// A picture shown smaller than it is (a tall one fits 80% of the window) opens at full size
// on a click, Enter or Space, and back; the page scrolls through it (sideways in its frame
// when wider than the column).
export function zoomable(picture) {
  const figure = picture.parentElement;
  const shrunk = () => picture.naturalHeight > picture.clientHeight + 1
    || picture.naturalWidth > picture.clientWidth + 1;
  const update = () => {
    const zoomed = figure.classList.contains("zoomed");
    const can = zoomed || shrunk();
    figure.classList.toggle("zoomable", can);
    if (can) {
      picture.setAttribute("tabindex", "0");
      picture.setAttribute("role", "button");
      picture.setAttribute("aria-pressed", String(zoomed));
      picture.title = zoomed ? "Click to fit the window" : "Click to see at full size";
    } else {
      for (const name of ["tabindex", "role", "aria-pressed", "title"]) picture.removeAttribute(name);
    }
  };
  const toggle = () => {
    if (figure.classList.contains("sensitive") || !figure.classList.contains("zoomable")) return;
    figure.classList.toggle("zoomed");
    update();
    if (!figure.classList.contains("zoomed")) figure.scrollIntoView({ block: "nearest" });
  };
  picture.addEventListener("load", update);
  addEventListener("resize", update);
  picture.addEventListener("click", toggle);
  picture.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    toggle();
  });
}
