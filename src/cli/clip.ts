// Text shortened for a table cell or a summary line: cut at the last word
// boundary within the limit, never mid-word, and marked with an ellipsis so
// that a reader knows there is more (the whole text is in the reports).

/** `text` at most `max` characters long (the ellipsis included); whole if it fits. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = text.slice(0, max - 1);
  const space = room.search(/\s\S*$/);
  // A single word longer than the limit is cut where it must be.
  const cut = space > max / 2 ? room.slice(0, space) : room;
  return `${cut.replace(/[\s,;:(]+$/, '')}…`;
}
