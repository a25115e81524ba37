/** One entity-tag of a list, with the comma (or the end) that closes it; empty list elements are allowed. */
const LIST_ELEMENT = /[ \t]*(?:(?:W\/)?("[^"]*"))?[ \t]*(?:,|$)/y;

function opaqueTag(etag: string): string {
  return etag.startsWith('W/') ? etag.slice(2) : etag;
}

/**
 * RFC 9110 §13.1.2 If-None-Match for a GET or HEAD of a representation whose ETag is `etag`: true
 * when the field is `*` or lists an entity-tag equal to it under weak comparison, so the answer is
 * 304. The request's Cache-Control plays no part: `no-cache` is addressed to caches, and fetch()
 * adds it whenever a caller sets If-None-Match. A field that is not a valid list matches nothing,
 * so the client gets the full answer.
 */
export function ifNoneMatch(field: string | undefined, etag: string): boolean {
  if (field === undefined) return false;
  if (field.trim() === '*') return true;
  const wanted = opaqueTag(etag);
  let found = false;
  LIST_ELEMENT.lastIndex = 0;
  while (LIST_ELEMENT.lastIndex < field.length) {
    const start = LIST_ELEMENT.lastIndex;
    const element = LIST_ELEMENT.exec(field);
    if (element === null || LIST_ELEMENT.lastIndex === start) return false;
    if (element[1] === wanted) found = true;
  }
  return found;
}
