const PAGE_SIZE = 100;
/** Bounds a listing: 50 pages of 100 is far beyond any tenant this talks to. */
const MAX_PAGES = 50;

/**
 * Every item of a paged Management API listing (Logto's `page` from 1, `page_size` up to 100):
 * asks page after page until one comes back short, at most {@link MAX_PAGES} pages.
 */
export async function listPages<T>(fetchPage: (query: { page: number; page_size: number }) => Promise<T[]>): Promise<T[]> {
  const all: T[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const items = await fetchPage({ page, page_size: PAGE_SIZE });
    all.push(...items);
    if (items.length < PAGE_SIZE) break;
  }
  return all;
}
