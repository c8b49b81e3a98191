import type { TrainingRunDetail } from '../../api/training';
import { formatPercent } from '../../shared/format';
import { LineChart, type ChartMarker, type ChartSeries } from '../charts/LineChart';

const loss = (y: number) => (Math.abs(y) >= 10 ? y.toFixed(0) : y.toFixed(2));
const step = (x: number) => String(Math.round(x));

export function trainLoss(run: TrainingRunDetail, name = 'Training loss'): ChartSeries {
  return { name, points: run.series.train.map((p) => ({ x: p.step, y: p.loss })) };
}

export function evalLogLoss(run: TrainingRunDetail, name = 'Validation log loss'): ChartSeries {
  return { name, points: run.series.eval.map((p) => ({ x: p.step, y: p.log_loss })) };
}

export function evalAccuracy(run: TrainingRunDetail, name = 'Validation accuracy'): ChartSeries {
  return { name, points: run.series.eval.map((p) => ({ x: p.step, y: p.accuracy })) };
}

interface StepChartProps {
  series: readonly ChartSeries[];
  title?: string;
  /** The step whose weights became the model. */
  marker?: ChartMarker | null;
}

/** Where the model's weights come from, for a chart's marker (null before it is known). */
export function keptStepMarker(run: TrainingRunDetail): ChartMarker | null {
  return run.best_step === null ? null : { x: run.best_step, label: `model: step ${run.best_step}` };
}

export function LossChart({ series, title = 'Loss', marker = null }: StepChartProps) {
  return (
    <LineChart
      title={title}
      series={series}
      xLabel="Step"
      integerX
      marker={marker}
      formatX={step}
      formatY={loss}
      emptyText="No loss reported yet."
    />
  );
}

export function AccuracyChart({ series, title = 'Accuracy', marker = null }: StepChartProps) {
  return (
    <LineChart
      title={title}
      series={series}
      xLabel="Step"
      integerX
      marker={marker}
      yDomain={[0, 1]}
      formatX={step}
      formatY={(y) => formatPercent(y, 0)}
      emptyText="No evaluation yet."
    />
  );
}
