// Page links for the console's lists: the same query with another page number.

export function pager(url: string, count: number, page: number, pageSize: number) {
  const last = Math.max(1, Math.ceil(count / pageSize));
  const link = (p: number) => {
    const u = new URL(url, 'http://console');
    if (p === 1) u.searchParams.delete('page');
    else u.searchParams.set('page', String(p));
    return u.pathname + u.search;
  };
  return {
    page,
    last,
    count,
    previous: page > 1 ? link(Math.min(page - 1, last)) : null,
    next: page < last ? link(page + 1) : null,
  };
}
