/**
 * One live graph with its threshold line. uPlot owns the canvas; the store is read
 * through store.subscribe, so a new sample costs one setData and no React render.
 */
import { memo, useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { clockTime, formatThreshold, formatValue, type MetricSpec } from '../format.js';
import { LIVE_WINDOW_MS, type LivePoint, type RendererState } from '../store.js';
import { useRendererStore } from '../context.js';

const HEIGHT = 120;

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}


/** Columns for uPlot: time in seconds and the metric. */
export function chartData(points: readonly LivePoint[], spec: MetricSpec): uPlot.AlignedData {
  const n = points.length;
  const xs = new Array<number>(n);
  const ys = new Array<number | null>(n);
  for (let i = 0; i < n; i++) {
    const p = points[i]!;
    xs[i] = p.t / 1000;
    ys[i] = p[spec.sampleKey];
  }
  return [xs, ys];
}

/** Axis labels that fit: 1.2M, 850k, 12. */
function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(0)}k`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(2)}`;
}

interface Props {
  spec: MetricSpec;
  threshold: number | null;
  /** Changing it rebuilds the chart (colours come from CSS variables per colour scheme). */
  theme: string;
  /** Shown instead of the threshold when the metric does not apply here (no GPU, no input source). */
  note?: string | null;
}

export const MetricChart = memo(function MetricChart({ spec, threshold, theme, note }: Props) {
  const store = useRendererStore();
  const boxRef = useRef<HTMLDivElement>(null);
  const valueRef = useRef<HTMLSpanElement>(null);
  const thresholdRef = useRef(threshold);
  const plotRef = useRef<uPlot | null>(null);

  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const line = cssVar(`--metric-${spec.name}`, '#3b82f6');
    const axis = cssVar('--muted', '#888');
    const grid = cssVar('--grid', 'rgba(128,128,128,0.15)');
    const thresholdColor = cssVar('--threshold', '#d97706');
    const lastT = (u: uPlot) => {
      const xs = u.data[0];
      return xs.length ? xs[xs.length - 1]! : Date.now() / 1000;
    };
    const opts: uPlot.Options = {
      width: Math.max(160, box.clientWidth),
      height: HEIGHT,
      legend: { show: false },
      cursor: { show: false },
      padding: [8, 8, 0, 0],
      scales: {
        // The window always spans ten minutes ending at the newest sample, so sparse data still scrolls.
        x: { time: true, range: (u) => [lastT(u) - LIVE_WINDOW_MS / 1000, lastT(u)] },
        y: {
          range: (_u, _min, max) => {
            if (spec.percent) return [0, 100];
            const top = Math.max(Number.isFinite(max) ? max : 0, thresholdRef.current ?? 0, 1);
            return [0, top * 1.15];
          },
        },
      },
      axes: [
        { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { show: false }, size: 28, values: (_u, splits) => splits.map((secs) => clockTime(secs * 1000)) },
        { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { show: false }, size: 40, values: (_u, splits) => splits.map(compact) },
      ],
      series: [{}, { label: spec.title, stroke: line, width: 1.75, fill: `${line}22`, points: { show: false }, spanGaps: false }],
      hooks: {
        // The threshold spans the whole window, also where there is no data yet.
        draw: [
          (u) => {
            const th = thresholdRef.current;
            if (th === null) return;
            const y = Math.round(u.valToPos(th, 'y', true)) + 0.5;
            const { left, top, width, height } = u.bbox;
            if (y < top - 1 || y > top + height + 1) return;
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = thresholdColor;
            ctx.lineWidth = 1.5 * devicePixelRatio;
            ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
            ctx.beginPath();
            ctx.moveTo(left, y);
            ctx.lineTo(left + width, y);
            ctx.stroke();
            ctx.restore();
          },
        ],
      },
    };
    const initial = store.getState();
    const plot = new uPlot(opts, chartData(initial.live.points, spec), box);
    plotRef.current = plot;

    const showValue = (points: readonly LivePoint[]) => {
      const last = points[points.length - 1];
      if (valueRef.current) valueRef.current.textContent = formatValue(last ? last[spec.sampleKey] : null, spec.unit);
    };
    showValue(initial.live.points);

    const unsub = store.subscribe((s: RendererState, prev: RendererState) => {
      if (s.live === prev.live) return;
      plot.setData(chartData(s.live.points, spec));
      showValue(s.live.points);
    });
    const ro = new ResizeObserver(() => {
      const w = Math.max(160, box.clientWidth);
      if (w !== plot.width) plot.setSize({ width: w, height: HEIGHT });
    });
    ro.observe(box);
    return () => {
      unsub();
      ro.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
  }, [store, spec, theme]);

  // A new threshold redraws the line once; no other prop changes per tick.
  useEffect(() => {
    thresholdRef.current = threshold;
    const plot = plotRef.current;
    if (plot) plot.setData(chartData(store.getState().live.points, spec));
  }, [threshold, store, spec]);

  const valueId = `value-${spec.name}`;
  return (
    <section className="card metric" aria-labelledby={`title-${spec.name}`}>
      <header className="metric-head">
        <h3 id={`title-${spec.name}`}>{spec.title}</h3>
        <span className="metric-value" id={valueId} data-testid={valueId} ref={valueRef} aria-live="off">
          —
        </span>
      </header>
      <div className="chart" ref={boxRef} role="img" aria-label={`${spec.title} over the last 10 minutes`} />
      <p className="metric-threshold">
        {note ? (
          note
        ) : (
          <>
            <span className="swatch" aria-hidden="true" /> threshold {formatThreshold(threshold, spec.unit)}
          </>
        )}
      </p>
    </section>
  );
});
