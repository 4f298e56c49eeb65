// A meme's `placeholder` (a BlurHash, https://blurha.sh) painted as a data: URL: the colours
// of the picture, blurred, shown while the picture loads. The decoder is BlurHash's own
// algorithm (woltapp/blurhash, decode.ts), small enough to keep here: the gallery has no build
// step and no dependencies.

const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";
const WIDTH = 32; // pixels of the painted placeholder's longer side: it is blurred anyway

function decode83(text) {
  let value = 0;
  for (const char of text) value = value * 83 + DIGITS.indexOf(char);
  return value;
}

function toLinear(value) {
  const v = value / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

function toSRGB(value) {
  const v = Math.max(0, Math.min(1, value));
  return Math.round((v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055) * 255);
}

// The placeholder of a picture of `width` by `height` as a data: URL, or null if there is none.
export function placeholderURL(hash, width = 4, height = 3) {
  if (!hash) return null;
  const components = decode83(hash[0]);
  const nx = (components % 9) + 1;
  const ny = Math.floor(components / 9) + 1;
  if (hash.length !== 4 + 2 * nx * ny) return null;
  const scale = (decode83(hash[1]) + 1) / 166;
  const dc = decode83(hash.slice(2, 6));
  const colours = [[dc >> 16, (dc >> 8) & 255, dc & 255].map(toLinear)];
  for (let n = 1; n < nx * ny; n++) {
    const ac = decode83(hash.slice(4 + 2 * n, 6 + 2 * n));
    colours.push([Math.floor(ac / 361), Math.floor(ac / 19) % 19, ac % 19].map((q) => {
      const v = (q - 9) / 9;
      return Math.sign(v) * v * v * scale;
    }));
  }
  const w = width >= height ? WIDTH : Math.max(1, Math.round((WIDTH * width) / height));
  const h = width >= height ? Math.max(1, Math.round((WIDTH * height) / width)) : WIDTH;
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  const context = canvas.getContext("2d");
  const pixels = context.createImageData(w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const rgb = [0, 0, 0];
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          const basis = Math.cos((Math.PI * x * i) / w) * Math.cos((Math.PI * y * j) / h);
          const colour = colours[i + j * nx];
          for (let k = 0; k < 3; k++) rgb[k] += colour[k] * basis;
        }
      }
      pixels.data.set([...rgb.map(toSRGB), 255], 4 * (x + y * w));
    }
  }
  context.putImageData(pixels, 0, 0);
  return canvas.toDataURL();
}

// Paint `element`'s background with the meme's placeholder until `picture` has loaded.
export function paintPlaceholder(element, picture, meme) {
  const url = placeholderURL(meme.placeholder, meme.width, meme.height);
  if (!url) return;
  element.style.backgroundImage = `url("${url}")`;
  element.classList.add("placeheld");
  const done = () => {
    element.style.backgroundImage = "";
    element.classList.remove("placeheld");
  };
  if (picture.complete && picture.naturalWidth) done();
  else picture.addEventListener("load", done, { once: true });
}
