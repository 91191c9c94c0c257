// Caption text as Python reads it (lora_tagger_widget/_captions.py).

// What Python's str.strip() removes (str.isspace), which JavaScript's trim() does not match
// exactly: it also strips \x1c-\x1f and \x85, and leaves U+FEFF.
const SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const STRIP = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, "g");

/** `text` without the leading and trailing white space Python's str.strip() removes. */
export function strip(text) {
  return text.replace(STRIP, "");
}

/** The tags in `text` as `split_tags` finds them: split on commas and line breaks (\r, \n),
 *  trimmed, empty pieces dropped, repeats kept. */
export function splitTags(text) {
  return String(text ?? "").split(/[,\r\n]/).map(strip).filter(Boolean);
}
