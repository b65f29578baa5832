// The console's only script. Every form works without it; it moves the progress bar of a running
// price-list import by polling the import's status, and reloads the page when the import ends.
'use strict';
(() => {
  const bar = document.getElementById('import-progress');
  if (!bar || !bar.dataset.statusUrl) return;
  const percent = document.getElementById('import-percent');
  const goods = document.getElementById('import-goods');
  const poll = async () => {
    let status;
    try {
      const res = await fetch(bar.dataset.statusUrl, { headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(String(res.status));
      status = await res.json();
    } catch {
      setTimeout(poll, 2000);
      return;
    }
    bar.value = status.percent;
    bar.textContent = `${status.percent} %`;
    percent.textContent = `${status.percent} %`;
    percent.dataset.state = status.state;
    if (status.total) goods.textContent = `${status.done} из ${status.total} товаров`;
    if (status.finished) location.reload();
    else setTimeout(poll, 500);
  };
  if (percent.dataset.state !== 'completed' && percent.dataset.state !== 'failed')
    setTimeout(poll, 300);
})();
