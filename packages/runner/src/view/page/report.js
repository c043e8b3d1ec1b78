/*
 * report.html's script: draws the charts with Chart.js (inlined before this
 * script) from the JSON in #report-data, and switches between Chinese and
 * English. Plain browser JavaScript, no build step.
 */
(() => {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const charts = data.charts;
  const params = new URLSearchParams(window.location.search);
  let lang = params.get('lang') === 'en' || params.get('lang') === 'zh' ? params.get('lang') : data.lang;

  const L = (key) => {
    const entry = data.labels[key];
    if (entry) return entry[lang];
    const dot = key.indexOf('.');
    return dot >= 0 ? key.slice(dot + 1) : key;
  };
  const MODEL_COLOURS = { joint: '#1c5fd4', bankOnly: '#d9480f', centralised: '#2b8a3e' };
  const DESIGN_COLOURS = ['#5f3dc4', '#e67700', '#0b7285', '#c2255c'];
  const FONT = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", system-ui, sans-serif';

  Chart.defaults.font.family = FONT;
  Chart.defaults.font.size = 16;
  Chart.defaults.color = '#1a1a1a';
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  const axis = (titleKey, extra) => ({ title: { display: true, text: L(titleKey) }, grid: { color: '#d0d4da' }, ...extra });
  const drawn = [];

  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (canvas) drawn.push(new Chart(canvas, config));
  }

  function curveCharts() {
    const models = ['joint', 'bankOnly', 'centralised'].filter((m) => charts.curves[m]);
    if (!models.length) return;
    const roc = models.map((m) => ({
      label: `${L(`report.model.${m}`)} · AUC ${charts.curves[m].auc.toFixed(3)}`,
      data: charts.curves[m].roc.map((p) => ({ x: p.fpr, y: p.tpr })),
      borderColor: MODEL_COLOURS[m],
      backgroundColor: MODEL_COLOURS[m],
      borderWidth: 3,
      // the centralised model can coincide with the joint one: dashed, so both show
      borderDash: m === 'centralised' ? [10, 6] : [],
      pointRadius: 0,
      showLine: true,
    }));
    roc.push({
      label: L('report.chance'),
      data: [
        { x: 0, y: 0 },
        { x: 1, y: 1 },
      ],
      borderColor: '#868e96',
      borderDash: [6, 6],
      borderWidth: 2,
      pointRadius: 0,
      showLine: true,
    });
    const unit = { min: 0, max: 1 };
    draw('chart-roc', {
      type: 'scatter',
      data: { datasets: roc },
      options: { scales: { x: axis('report.fpr', unit), y: axis('report.tpr', unit) } },
    });
    const ks = models.map((m) => ({
      label: `${L(`report.model.${m}`)} · KS ${charts.curves[m].ks.toFixed(3)}`,
      data: charts.curves[m].ksCurve.map((p) => ({ x: p.share, y: p.good - p.bad })),
      borderColor: MODEL_COLOURS[m],
      backgroundColor: MODEL_COLOURS[m],
      borderWidth: 3,
      borderDash: m === 'centralised' ? [10, 6] : [],
      // a dot where the gap is largest
      pointRadius: (ctx) => (Math.abs(ctx.raw.x - charts.curves[m].ksShare) < 1e-12 ? 7 : 0),
      showLine: true,
    }));
    draw('chart-ks', {
      type: 'scatter',
      data: { datasets: ks },
      options: { scales: { x: axis('report.share', unit), y: axis('report.ksGap', unit) } },
    });
  }

  function gradeChart() {
    if (!charts.grades.length) return;
    const hasRate = charts.grades.some((g) => g.defaultRate !== undefined);
    const datasets = [{ type: 'bar', label: L('report.count'), data: charts.grades.map((g) => g.count), backgroundColor: '#4c6ef5', yAxisID: 'y' }];
    if (hasRate)
      datasets.push({
        type: 'line',
        label: `${L('report.defaultRate')} (%)`,
        data: charts.grades.map((g) => 100 * (g.defaultRate ?? 0)),
        borderColor: '#c92a2a',
        backgroundColor: '#c92a2a',
        borderWidth: 3,
        pointRadius: 5,
        yAxisID: 'y1',
      });
    draw('chart-grades', {
      type: 'bar',
      data: { labels: charts.grades.map((g) => g.grade), datasets },
      options: {
        scales: {
          x: axis('report.grade'),
          y: axis('report.count', { beginAtZero: true }),
          ...(hasRate ? { y1: axis('report.defaultRate', { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false } }) } : {}),
        },
      },
    });
  }

  function designBars(id, block, field, yKey) {
    if (!block.names.length) return;
    draw(id, {
      type: 'bar',
      data: {
        labels: block.names.map((n) => (n.includes('→') ? n : L(`phase.${n}`))),
        datasets: block.designs.map((d, i) => ({ label: d.keys, data: d[field], backgroundColor: DESIGN_COLOURS[i % DESIGN_COLOURS.length] })),
      },
      options: { scales: { y: axis(yKey, { beginAtZero: true }) } },
    });
  }

  function lossChart() {
    if (!charts.loss.length) return;
    draw('chart-loss', {
      type: 'line',
      data: {
        labels: charts.loss.map((e) => e.epoch),
        datasets: [{ label: L('report.loss'), data: charts.loss.map((e) => e.loss), borderColor: '#1c5fd4', borderWidth: 3, pointRadius: 4 }],
      },
      options: { scales: { x: axis('report.epoch'), y: axis('report.loss') } },
    });
  }

  function render() {
    document.documentElement.dataset.lang = lang;
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    while (drawn.length) drawn.pop().destroy();
    curveCharts();
    gradeChart();
    designBars('chart-phases', charts.phases, 'seconds', 'report.seconds');
    designBars('chart-links', charts.links, 'megabytes', 'report.megabytes');
    lossChart();
  }

  document.getElementById('lang').addEventListener('click', () => {
    lang = lang === 'zh' ? 'en' : 'zh';
    try {
      const url = new URL(window.location.href);
      url.searchParams.set('lang', lang);
      window.history.replaceState(null, '', url);
    } catch {
      // some file:// contexts refuse replaceState; the switch still works
    }
    render();
  });
  render();
})();
