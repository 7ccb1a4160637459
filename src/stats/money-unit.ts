import { rialsToMillions } from '../money.ts';
import { VIEW_MEASURE_LABELS, type MoneyUnit } from './forms.ts';
import type { ReleaseMeasure } from './releases/types.ts';
import type { ReleaseView } from './releases/view.ts';

// Issue 14 §12: money in a table is shown in Rials or, as official tables print it, in millions
// of Rials. The release keeps exact Rials; a view in millions rounds each stored cell (totals
// too) half up to a whole million, so a total may differ from the sum of its rounded parts by
// a few millions, as in any rounded official table. JSON stays in exact Rials and says so.

export const MONEY_UNIT_LABELS: Record<MoneyUnit, string> = { rial: 'ریال', million: 'میلیون ریال' };

const MONEY_MEASURES: readonly ReleaseMeasure[] = ['production_value', 'value_added', 'intermediate_consumption'];
export const isMoneyMeasure = (m: ReleaseMeasure): boolean => MONEY_MEASURES.includes(m);

/** A view as it is shown and downloaded: its cells in `unit` (money only; null for counts). */
export interface ShownView extends ReleaseView { unit: MoneyUnit | null }

export const ROUNDING_NOTE = 'ارقام به میلیون ریال است و هر خانه (جمع‌ها نیز) از رقم دقیق به نزدیک‌ترین میلیون گرد شده است (نیم به بالا)؛ از این رو جمع یک سطر ممکن است با جمع خانه‌های گردشده آن اندکی تفاوت داشته باشد.';

export function inUnit(view: ReleaseView, asked: MoneyUnit): ShownView {
  if (!isMoneyMeasure(view.query.measure)) return { ...view, unit: null };
  if (asked === 'rial') return { ...view, unit: 'rial' };
  const measureLabel = `${VIEW_MEASURE_LABELS[view.query.measure].replace(/ \(ریال\)$/, '')} (${MONEY_UNIT_LABELS.million})`;
  return {
    ...view,
    unit: 'million',
    measureLabel,
    // A table without a column dimension has one column, named after the measure.
    cols: view.query.cols ? view.cols : view.cols.map((c) => ({ ...c, label: measureLabel })),
    cells: view.cells.map((row) => row.map((c) => (c.value === null ? c : { ...c, value: rialsToMillions(BigInt(c.value)).toString() }))),
  };
}
