// Raw material for the demo data (seeds/demo-units.ts): fictional company names, activities with
// their products, units of measure, nominal capacities and prices, and the cities of each province.
// Names are made up from common Persian words; any likeness to a real company is accidental.

/** How production moves over the Jalali year (index 0 = Farvardin). */
export type Season = 'flat' | 'food' | 'build' | 'mine' | 'summer';

export const SEASONS: Record<Season, readonly number[]> = {
  // Nowruz holidays empty the factories in Farvardin; Esfand is busy before the new year.
  flat: [0.72, 0.98, 1.02, 1.0, 1.0, 1.02, 1.02, 1.0, 1.0, 0.98, 1.02, 1.08],
  food: [0.8, 1.04, 1.1, 1.08, 1.05, 1.0, 0.97, 0.95, 0.93, 0.95, 1.0, 1.1],
  // Gas cuts in Dey–Bahman and the building season in summer.
  build: [0.7, 1.0, 1.1, 1.12, 1.1, 1.08, 1.05, 1.0, 0.88, 0.8, 0.86, 0.95],
  mine: [0.78, 1.0, 1.05, 1.06, 1.05, 1.04, 1.02, 1.0, 0.92, 0.88, 0.92, 0.98],
  summer: [0.85, 1.15, 1.3, 1.25, 1.05, 0.9, 0.8, 0.78, 0.8, 0.85, 0.95, 1.0],
};

/** A product of an activity: unit of measure, the range of a main product's annual capacity, price in Rial per unit of measure. */
export interface ProductSpec { name: string; uom: string; cap: readonly [number, number]; price: number }

export interface ActivitySpec {
  isic: string;
  kind: 'industrial' | 'mining';
  /** The activity as it appears in a company name: «شرکت {word} {name} {city}». */
  word: string;
  weight: number;
  /** Provinces where this activity is concentrated (mining: the only provinces it occurs in). */
  provinces?: readonly string[];
  season: Season;
  staff: readonly [number, number];
  products: readonly ProductSpec[];
}

const t = 'تن';

export const ACTIVITIES: readonly ActivitySpec[] = [
  // ── Section C: manufacturing ──────────────────────────────────────────────────────────────
  { isic: '1050', kind: 'industrial', word: 'صنایع لبنی', weight: 8, season: 'food', staff: [40, 700], products: [
    { name: 'شیر پاستوریزه', uom: t, cap: [3000, 90000], price: 350_000_000 },
    { name: 'ماست', uom: t, cap: [2000, 60000], price: 450_000_000 },
    { name: 'پنیر', uom: t, cap: [500, 15000], price: 1_500_000_000 },
    { name: 'دوغ', uom: 'هزار لیتر', cap: [1000, 40000], price: 250_000_000 },
    { name: 'کره', uom: t, cap: [100, 3000], price: 3_200_000_000 },
  ] },
  { isic: '1010', kind: 'industrial', word: 'صنایع گوشتی', weight: 4, season: 'food', staff: [30, 400], products: [
    { name: 'گوشت مرغ منجمد', uom: t, cap: [2000, 40000], price: 1_100_000_000 },
    { name: 'سوسیس و کالباس', uom: t, cap: [500, 12000], price: 1_600_000_000 },
    { name: 'همبرگر', uom: t, cap: [300, 6000], price: 2_200_000_000 },
  ] },
  { isic: '1030', kind: 'industrial', word: 'صنایع غذایی', weight: 5, season: 'food', staff: [20, 300], products: [
    { name: 'رب گوجه‌فرنگی', uom: t, cap: [1000, 30000], price: 800_000_000 },
    { name: 'کنسرو لوبیا', uom: 'هزار قوطی', cap: [1000, 20000], price: 450_000_000 },
    { name: 'آب‌میوه', uom: 'هزار لیتر', cap: [1000, 25000], price: 850_000_000 },
    { name: 'خیارشور', uom: t, cap: [300, 5000], price: 900_000_000 },
  ] },
  { isic: '1040', kind: 'industrial', word: 'صنعتی روغن نباتی', weight: 3, season: 'flat', staff: [50, 600], provinces: ['23', '06', '27', '00', '10'], products: [
    { name: 'روغن خوراکی مایع', uom: t, cap: [10000, 150000], price: 900_000_000 },
    { name: 'روغن جامد', uom: t, cap: [5000, 60000], price: 950_000_000 },
    { name: 'کنجاله سویا', uom: t, cap: [10000, 120000], price: 250_000_000 },
  ] },
  { isic: '1061', kind: 'industrial', word: 'آرد', weight: 4, season: 'flat', staff: [15, 120], products: [
    { name: 'آرد نانوایی', uom: t, cap: [10000, 90000], price: 180_000_000 },
    { name: 'آرد صنعتی', uom: t, cap: [3000, 40000], price: 300_000_000 },
    { name: 'سبوس', uom: t, cap: [1000, 15000], price: 100_000_000 },
  ] },
  { isic: '1071', kind: 'industrial', word: 'صنایع نان و شیرینی', weight: 3, season: 'food', staff: [20, 400], products: [
    { name: 'نان صنعتی', uom: t, cap: [1000, 20000], price: 600_000_000 },
    { name: 'کیک', uom: t, cap: [500, 10000], price: 1_500_000_000 },
    { name: 'بیسکویت', uom: t, cap: [1000, 25000], price: 1_200_000_000 },
  ] },
  { isic: '1072', kind: 'industrial', word: 'قند', weight: 2, season: 'food', staff: [100, 500], provinces: ['09', '06', '04', '07', '13', '28'], products: [
    { name: 'شکر', uom: t, cap: [20000, 120000], price: 420_000_000 },
    { name: 'قند', uom: t, cap: [5000, 40000], price: 600_000_000 },
    { name: 'ملاس', uom: t, cap: [3000, 20000], price: 100_000_000 },
  ] },
  { isic: '1073', kind: 'industrial', word: 'صنایع شکلات و شیرینی', weight: 3, season: 'food', staff: [30, 500], products: [
    { name: 'شکلات', uom: t, cap: [500, 12000], price: 3_000_000_000 },
    { name: 'آب‌نبات', uom: t, cap: [300, 6000], price: 1_500_000_000 },
    { name: 'گز', uom: t, cap: [100, 2000], price: 3_500_000_000 },
  ] },
  { isic: '1074', kind: 'industrial', word: 'ماکارون', weight: 2, season: 'flat', staff: [30, 250], products: [
    { name: 'ماکارونی', uom: t, cap: [5000, 60000], price: 600_000_000 },
    { name: 'رشته آش', uom: t, cap: [500, 8000], price: 500_000_000 },
  ] },
  { isic: '1079', kind: 'industrial', word: 'صنایع بسته‌بندی', weight: 3, season: 'flat', provinces: ['01', '09', '29', '23'], staff: [10, 150], products: [
    { name: 'چای بسته‌بندی', uom: t, cap: [200, 5000], price: 4_000_000_000 },
    { name: 'زعفران بسته‌بندی', uom: 'کیلوگرم', cap: [500, 8000], price: 2_500_000_000 },
    { name: 'ادویه', uom: t, cap: [100, 3000], price: 2_000_000_000 },
    { name: 'عسل بسته‌بندی', uom: t, cap: [50, 1500], price: 8_000_000_000 },
  ] },
  { isic: '1080', kind: 'industrial', word: 'خوراک دام و طیور', weight: 4, season: 'flat', staff: [15, 150], products: [
    { name: 'خوراک دام', uom: t, cap: [10000, 120000], price: 200_000_000 },
    { name: 'خوراک طیور', uom: t, cap: [10000, 150000], price: 220_000_000 },
    { name: 'خوراک آبزیان', uom: t, cap: [2000, 20000], price: 450_000_000 },
  ] },
  { isic: '1104', kind: 'industrial', word: 'نوشابه‌سازی', weight: 3, season: 'summer', staff: [30, 400], products: [
    { name: 'آب معدنی', uom: 'هزار بطری', cap: [20000, 300000], price: 150_000_000 },
    { name: 'نوشابه گازدار', uom: 'هزار لیتر', cap: [10000, 150000], price: 270_000_000 },
    { name: 'ماءالشعیر', uom: 'هزار لیتر', cap: [5000, 60000], price: 400_000_000 },
  ] },
  { isic: '1311', kind: 'industrial', word: 'ریسندگی', weight: 2, season: 'flat', provinces: ['10', '21', '02', '20', '09'], staff: [50, 600], products: [
    { name: 'نخ پنبه‌ای', uom: t, cap: [1000, 12000], price: 3_000_000_000 },
    { name: 'نخ پلی‌استر', uom: t, cap: [1000, 15000], price: 1_800_000_000 },
  ] },
  { isic: '1312', kind: 'industrial', word: 'بافندگی', weight: 2, season: 'flat', provinces: ['10', '21', '23', '02'], staff: [40, 500], products: [
    { name: 'پارچه پنبه‌ای', uom: 'هزار متر', cap: [1000, 20000], price: 1_500_000_000 },
    { name: 'پارچه چادری', uom: 'هزار متر', cap: [500, 10000], price: 2_500_000_000 },
    { name: 'پارچه پرده‌ای', uom: 'هزار متر', cap: [300, 6000], price: 1_800_000_000 },
  ] },
  { isic: '1393', kind: 'industrial', word: 'فرش ماشینی', weight: 3, season: 'flat', provinces: ['10', '23', '09', '21'], staff: [30, 600], products: [
    { name: 'فرش ماشینی', uom: 'متر مربع', cap: [100000, 2000000], price: 12_000_000 },
    { name: 'موکت', uom: 'متر مربع', cap: [100000, 1500000], price: 4_000_000 },
  ] },
  { isic: '1410', kind: 'industrial', word: 'تولیدی پوشاک', weight: 3, season: 'flat', staff: [15, 300], products: [
    { name: 'پیراهن مردانه', uom: 'هزار عدد', cap: [20, 400], price: 8_000_000_000 },
    { name: 'مانتو', uom: 'هزار عدد', cap: [10, 200], price: 12_000_000_000 },
    { name: 'لباس کار', uom: 'هزار دست', cap: [10, 300], price: 9_000_000_000 },
  ] },
  { isic: '1520', kind: 'industrial', word: 'صنایع کفش', weight: 3, season: 'flat', provinces: ['03', '23', '10', '09'], staff: [20, 600], products: [
    { name: 'کفش چرمی', uom: 'هزار جفت', cap: [20, 1000], price: 25_000_000_000 },
    { name: 'کفش ورزشی', uom: 'هزار جفت', cap: [50, 2000], price: 15_000_000_000 },
    { name: 'دمپایی', uom: 'هزار جفت', cap: [100, 3000], price: 2_500_000_000 },
  ] },
  { isic: '1622', kind: 'industrial', word: 'صنایع چوب', weight: 2, season: 'build', staff: [10, 150], products: [
    { name: 'درب چوبی', uom: 'عدد', cap: [2000, 40000], price: 100_000_000 },
    { name: 'کابینت آشپزخانه', uom: 'متر طول', cap: [3000, 40000], price: 150_000_000 },
    { name: 'پارکت چوبی', uom: 'متر مربع', cap: [20000, 300000], price: 9_000_000 },
  ] },
  { isic: '1702', kind: 'industrial', word: 'کارتن‌سازی', weight: 3, season: 'flat', staff: [20, 250], products: [
    { name: 'کارتن', uom: t, cap: [3000, 50000], price: 600_000_000 },
    { name: 'ورق مقوای موجدار', uom: t, cap: [2000, 40000], price: 500_000_000 },
  ] },
  { isic: '1701', kind: 'industrial', word: 'صنایع کاغذ', weight: 1, season: 'flat', provinces: ['06', '02', '01', '10'], staff: [100, 800], products: [
    { name: 'کاغذ تحریر', uom: t, cap: [10000, 100000], price: 650_000_000 },
    { name: 'کاغذ کرافت', uom: t, cap: [10000, 120000], price: 500_000_000 },
  ] },
  { isic: '1920', kind: 'industrial', word: 'روغن‌سازی', weight: 1, season: 'flat', provinces: ['06', '10', '00', '23', '22'], staff: [50, 500], products: [
    { name: 'روغن موتور', uom: 'هزار لیتر', cap: [5000, 100000], price: 3_000_000_000 },
    { name: 'قیر', uom: t, cap: [20000, 300000], price: 200_000_000 },
    { name: 'گریس', uom: t, cap: [500, 8000], price: 2_500_000_000 },
  ] },
  { isic: '2011', kind: 'industrial', word: 'صنایع شیمیایی', weight: 2, season: 'flat', provinces: ['06', '18', '00', '10'], staff: [40, 500], products: [
    { name: 'اسید سولفوریک', uom: t, cap: [20000, 300000], price: 50_000_000 },
    { name: 'سود سوزآور', uom: t, cap: [10000, 150000], price: 300_000_000 },
    { name: 'کلر مایع', uom: t, cap: [5000, 60000], price: 150_000_000 },
  ] },
  { isic: '2012', kind: 'industrial', word: 'کود شیمیایی', weight: 1, season: 'mine', provinces: ['06', '18', '09', '05'], staff: [80, 800], products: [
    { name: 'کود اوره', uom: t, cap: [100000, 1000000], price: 150_000_000 },
    { name: 'کود NPK', uom: t, cap: [10000, 150000], price: 300_000_000 },
  ] },
  { isic: '2013', kind: 'industrial', word: 'پتروشیمی', weight: 1, season: 'flat', provinces: ['06', '18', '00', '10', '09'], staff: [200, 800], products: [
    { name: 'پلی‌اتیلن سبک', uom: t, cap: [50000, 300000], price: 800_000_000 },
    { name: 'پی‌وی‌سی', uom: t, cap: [30000, 200000], price: 700_000_000 },
  ] },
  { isic: '2022', kind: 'industrial', word: 'رنگ‌سازی', weight: 2, season: 'build', staff: [20, 300], products: [
    { name: 'رنگ ساختمانی', uom: t, cap: [1000, 30000], price: 1_500_000_000 },
    { name: 'رنگ صنعتی', uom: t, cap: [500, 15000], price: 2_200_000_000 },
    { name: 'رزین', uom: t, cap: [1000, 20000], price: 1_200_000_000 },
  ] },
  { isic: '2023', kind: 'industrial', word: 'صنایع بهداشتی', weight: 3, season: 'flat', staff: [20, 500], products: [
    { name: 'پودر شوینده', uom: t, cap: [3000, 80000], price: 1_000_000_000 },
    { name: 'مایع ظرفشویی', uom: t, cap: [2000, 40000], price: 600_000_000 },
    { name: 'شامپو', uom: t, cap: [1000, 20000], price: 1_500_000_000 },
    { name: 'صابون', uom: t, cap: [500, 10000], price: 1_200_000_000 },
  ] },
  { isic: '2100', kind: 'industrial', word: 'داروسازی', weight: 2, season: 'flat', provinces: ['23', '30', '26', '10', '09'], staff: [80, 800], products: [
    { name: 'قرص', uom: 'میلیون عدد', cap: [100, 3000], price: 20_000_000_000 },
    { name: 'شربت', uom: 'هزار شیشه', cap: [500, 15000], price: 500_000_000 },
    { name: 'آمپول', uom: 'هزار عدد', cap: [1000, 30000], price: 300_000_000 },
  ] },
  { isic: '2211', kind: 'industrial', word: 'لاستیک‌سازی', weight: 1, season: 'flat', provinces: ['23', '10', '26', '21', '09'], staff: [150, 800], products: [
    { name: 'لاستیک سواری', uom: 'حلقه', cap: [200000, 3000000], price: 30_000_000 },
    { name: 'لاستیک سنگین', uom: 'حلقه', cap: [20000, 400000], price: 200_000_000 },
  ] },
  { isic: '2220', kind: 'industrial', word: 'صنایع پلاستیک', weight: 6, season: 'flat', staff: [10, 300], products: [
    { name: 'لوله پلی‌اتیلن', uom: t, cap: [500, 20000], price: 1_000_000_000 },
    { name: 'ظروف پلاستیکی', uom: t, cap: [200, 6000], price: 1_200_000_000 },
    { name: 'کیسه نایلون', uom: t, cap: [300, 8000], price: 800_000_000 },
    { name: 'بطری پت', uom: 'هزار عدد', cap: [5000, 100000], price: 40_000_000 },
  ] },
  { isic: '2310', kind: 'industrial', word: 'شیشه', weight: 1, season: 'build', provinces: ['26', '21', '10', '23', '20'], staff: [80, 700], products: [
    { name: 'شیشه جام', uom: 'متر مربع', cap: [1000000, 15000000], price: 3_000_000 },
    { name: 'بطری شیشه‌ای', uom: 'هزار عدد', cap: [10000, 200000], price: 200_000_000 },
  ] },
  { isic: '2392', kind: 'industrial', word: 'آجر', weight: 3, season: 'build', staff: [15, 150], products: [
    { name: 'آجر ماشینی', uom: 'هزار قالب', cap: [5000, 60000], price: 25_000_000 },
    { name: 'آجر سفال', uom: t, cap: [5000, 60000], price: 40_000_000 },
  ] },
  { isic: '2393', kind: 'industrial', word: 'کاشی و سرامیک', weight: 4, season: 'build', provinces: ['21', '10', '20', '09', '26'], staff: [60, 800], products: [
    { name: 'کاشی دیواری', uom: 'متر مربع', cap: [500000, 8000000], price: 2_500_000 },
    { name: 'سرامیک کف', uom: 'متر مربع', cap: [500000, 10000000], price: 3_000_000 },
    { name: 'چینی بهداشتی', uom: t, cap: [2000, 20000], price: 1_500_000_000 },
  ] },
  { isic: '2394', kind: 'industrial', word: 'سیمان', weight: 3, season: 'build', staff: [150, 800], products: [
    { name: 'سیمان پرتلند تیپ ۲', uom: t, cap: [300000, 3000000], price: 30_000_000 },
    { name: 'کلینکر', uom: t, cap: [300000, 3000000], price: 15_000_000 },
    { name: 'سیمان پوزولانی', uom: t, cap: [100000, 1000000], price: 28_000_000 },
  ] },
  { isic: '2395', kind: 'industrial', word: 'بتن', weight: 3, season: 'build', staff: [10, 150], products: [
    { name: 'بتن آماده', uom: 'متر مکعب', cap: [20000, 300000], price: 25_000_000 },
    { name: 'بلوک سیمانی', uom: 'هزار عدد', cap: [1000, 20000], price: 300_000_000 },
    { name: 'تیرچه بتنی', uom: 'متر طول', cap: [50000, 800000], price: 500_000 },
  ] },
  { isic: '2396', kind: 'industrial', word: 'سنگ‌بری', weight: 4, season: 'build', provinces: ['10', '00', '21', '25', '23', '07'], staff: [10, 120], products: [
    { name: 'سنگ ساختمانی', uom: 'متر مربع', cap: [30000, 500000], price: 12_000_000 },
    { name: 'سنگ گرانیت', uom: 'متر مربع', cap: [20000, 300000], price: 18_000_000 },
  ] },
  { isic: '2410', kind: 'industrial', word: 'فولاد', weight: 5, season: 'build', provinces: ['10', '06', '08', '21', '20', '09', '26', '00'], staff: [100, 800], products: [
    { name: 'شمش فولادی', uom: t, cap: [100000, 1500000], price: 220_000_000 },
    { name: 'میلگرد', uom: t, cap: [100000, 1000000], price: 300_000_000 },
    { name: 'تیرآهن', uom: t, cap: [50000, 500000], price: 320_000_000 },
    { name: 'آهن اسفنجی', uom: t, cap: [200000, 1500000], price: 130_000_000 },
  ] },
  { isic: '2420', kind: 'industrial', word: 'ذوب فلزات', weight: 1, season: 'flat', provinces: ['19', '00', '08', '22', '10'], staff: [100, 800], products: [
    { name: 'شمش روی', uom: t, cap: [5000, 80000], price: 3_000_000_000 },
    { name: 'شمش آلومینیوم', uom: t, cap: [10000, 150000], price: 2_500_000_000 },
    { name: 'کاتد مس', uom: t, cap: [10000, 150000], price: 9_000_000_000 },
  ] },
  { isic: '2431', kind: 'industrial', word: 'ریخته‌گری', weight: 2, season: 'flat', staff: [20, 300], products: [
    { name: 'قطعات ریخته‌گری چدنی', uom: t, cap: [1000, 30000], price: 400_000_000 },
    { name: 'قطعات فولادی ریختگی', uom: t, cap: [500, 15000], price: 600_000_000 },
  ] },
  { isic: '2511', kind: 'industrial', word: 'سازه‌های فلزی', weight: 3, season: 'build', staff: [15, 300], products: [
    { name: 'اسکلت فلزی', uom: t, cap: [2000, 40000], price: 500_000_000 },
    { name: 'درب و پنجره آلومینیومی', uom: 'متر مربع', cap: [5000, 80000], price: 35_000_000 },
  ] },
  { isic: '2599', kind: 'industrial', word: 'صنایع فلزی', weight: 4, season: 'flat', staff: [10, 250], products: [
    { name: 'پیچ و مهره', uom: t, cap: [200, 8000], price: 800_000_000 },
    { name: 'ظروف آشپزخانه', uom: 'هزار عدد', cap: [50, 2000], price: 3_000_000_000 },
    { name: 'قوطی فلزی', uom: 'هزار عدد', cap: [5000, 200000], price: 60_000_000 },
  ] },
  { isic: '2710', kind: 'industrial', word: 'الکتروموتور', weight: 2, season: 'flat', provinces: ['23', '30', '03', '26', '10'], staff: [40, 600], products: [
    { name: 'الکتروموتور', uom: 'دستگاه', cap: [5000, 150000], price: 150_000_000 },
    { name: 'ترانسفورماتور', uom: 'دستگاه', cap: [500, 10000], price: 3_000_000_000 },
  ] },
  { isic: '2732', kind: 'industrial', word: 'سیم و کابل', weight: 2, season: 'build', staff: [30, 500], products: [
    { name: 'کابل مسی', uom: t, cap: [1000, 30000], price: 6_000_000_000 },
    { name: 'سیم ساختمانی', uom: 'کیلومتر', cap: [5000, 100000], price: 100_000_000 },
  ] },
  { isic: '2740', kind: 'industrial', word: 'صنایع روشنایی', weight: 2, season: 'flat', staff: [15, 300], products: [
    { name: 'لامپ ال‌ای‌دی', uom: 'هزار عدد', cap: [500, 20000], price: 800_000_000 },
    { name: 'چراغ خیابانی', uom: 'دستگاه', cap: [2000, 50000], price: 60_000_000 },
  ] },
  { isic: '2750', kind: 'industrial', word: 'لوازم خانگی', weight: 3, season: 'summer', provinces: ['23', '30', '03', '26', '10', '09'], staff: [50, 800], products: [
    { name: 'یخچال', uom: 'دستگاه', cap: [20000, 400000], price: 400_000_000 },
    { name: 'ماشین لباسشویی', uom: 'دستگاه', cap: [20000, 300000], price: 350_000_000 },
    { name: 'کولر آبی', uom: 'دستگاه', cap: [20000, 300000], price: 150_000_000 },
    { name: 'بخاری گازی', uom: 'دستگاه', cap: [10000, 200000], price: 50_000_000 },
    { name: 'اجاق گاز', uom: 'دستگاه', cap: [10000, 250000], price: 120_000_000 },
  ] },
  { isic: '2813', kind: 'industrial', word: 'پمپ و شیرآلات', weight: 2, season: 'build', staff: [20, 400], products: [
    { name: 'پمپ آب', uom: 'دستگاه', cap: [5000, 100000], price: 60_000_000 },
    { name: 'شیرآلات ساختمانی', uom: 'هزار عدد', cap: [20, 600], price: 15_000_000_000 },
    { name: 'شیر صنعتی', uom: 'عدد', cap: [2000, 50000], price: 150_000_000 },
  ] },
  { isic: '2821', kind: 'industrial', word: 'ماشین‌سازی کشاورزی', weight: 1, season: 'flat', provinces: ['03', '13', '09', '00'], staff: [30, 500], products: [
    { name: 'تیلر کشاورزی', uom: 'دستگاه', cap: [500, 10000], price: 400_000_000 },
    { name: 'ادوات کشاورزی', uom: 'دستگاه', cap: [1000, 20000], price: 100_000_000 },
  ] },
  { isic: '2910', kind: 'industrial', word: 'خودروسازی', weight: 1, season: 'flat', provinces: ['23', '10', '03', '08', '00'], staff: [400, 800], products: [
    { name: 'خودرو سواری', uom: 'دستگاه', cap: [20000, 300000], price: 7_000_000_000 },
    { name: 'وانت', uom: 'دستگاه', cap: [5000, 60000], price: 5_500_000_000 },
  ] },
  { isic: '2920', kind: 'industrial', word: 'تریلرسازی', weight: 1, season: 'flat', staff: [20, 300], products: [
    { name: 'تریلر', uom: 'دستگاه', cap: [100, 3000], price: 3_000_000_000 },
    { name: 'اتاق کامیون', uom: 'دستگاه', cap: [200, 5000], price: 1_200_000_000 },
  ] },
  { isic: '2930', kind: 'industrial', word: 'قطعه‌سازی', weight: 5, season: 'flat', provinces: ['23', '30', '26', '10', '03', '09', '00'], staff: [20, 600], products: [
    { name: 'لنت ترمز', uom: 'هزار دست', cap: [100, 5000], price: 10_000_000_000 },
    { name: 'فیلتر روغن', uom: 'هزار عدد', cap: [500, 20000], price: 2_000_000_000 },
    { name: 'رادیاتور خودرو', uom: 'دستگاه', cap: [10000, 300000], price: 50_000_000 },
    { name: 'صندلی خودرو', uom: 'دستگاه', cap: [10000, 200000], price: 120_000_000 },
  ] },
  { isic: '3091', kind: 'industrial', word: 'موتورسیکلت', weight: 1, season: 'flat', provinces: ['23', '30', '09', '03'], staff: [50, 500], products: [
    { name: 'موتورسیکلت', uom: 'دستگاه', cap: [5000, 100000], price: 800_000_000 },
  ] },
  { isic: '3100', kind: 'industrial', word: 'مبلمان', weight: 3, season: 'flat', staff: [10, 300], products: [
    { name: 'مبلمان راحتی', uom: 'دست', cap: [500, 10000], price: 600_000_000 },
    { name: 'میز اداری', uom: 'عدد', cap: [1000, 20000], price: 80_000_000 },
    { name: 'صندلی اداری', uom: 'عدد', cap: [2000, 50000], price: 20_000_000 },
  ] },
  { isic: '3250', kind: 'industrial', word: 'تجهیزات پزشکی', weight: 1, season: 'flat', provinces: ['23', '30', '26', '10'], staff: [30, 400], products: [
    { name: 'سرنگ یک‌بارمصرف', uom: 'میلیون عدد', cap: [20, 500], price: 50_000_000_000 },
    { name: 'دستکش لاتکس', uom: 'هزار جفت', cap: [5000, 100000], price: 60_000_000 },
  ] },

  // ── Section B: mining and quarrying ───────────────────────────────────────────────────────
  { isic: '0710', kind: 'mining', word: 'معدن سنگ آهن', weight: 6, season: 'mine', provinces: ['08', '21', '20', '09', '29', '10', '19', '22', '00'], staff: [40, 800], products: [
    { name: 'سنگ آهن خام', uom: t, cap: [200000, 5000000], price: 25_000_000 },
    { name: 'سنگ آهن دانه‌بندی', uom: t, cap: [100000, 2000000], price: 35_000_000 },
    { name: 'کنسانتره سنگ آهن', uom: t, cap: [100000, 2000000], price: 60_000_000 },
  ] },
  { isic: '0729', kind: 'mining', word: 'معادن مس', weight: 3, season: 'mine', provinces: ['08', '03', '29', '21', '20'], staff: [60, 800], products: [
    { name: 'کانه مس سولفیدی', uom: t, cap: [100000, 3000000], price: 40_000_000 },
    { name: 'کنسانتره مس', uom: t, cap: [10000, 200000], price: 1_800_000_000 },
  ] },
  { isic: '0729', kind: 'mining', word: 'معدن سرب و روی', weight: 3, season: 'mine', provinces: ['19', '10', '21', '08', '00'], staff: [30, 500], products: [
    { name: 'کانه سرب و روی', uom: t, cap: [50000, 800000], price: 45_000_000 },
    { name: 'کنسانتره روی', uom: t, cap: [5000, 80000], price: 900_000_000 },
    { name: 'کنسانتره سرب', uom: t, cap: [3000, 50000], price: 1_200_000_000 },
  ] },
  { isic: '0729', kind: 'mining', word: 'معدن طلای', weight: 1, season: 'mine', provinces: ['04', '12', '10', '11', '03'], staff: [50, 400], products: [
    { name: 'کانه طلا', uom: t, cap: [50000, 500000], price: 60_000_000 },
    { name: 'شمش طلا', uom: 'کیلوگرم', cap: [100, 2000], price: 90_000_000_000 },
  ] },
  { isic: '0510', kind: 'mining', word: 'زغال‌سنگ', weight: 2, season: 'mine', provinces: ['08', '20', '29', '27', '02'], staff: [50, 700], products: [
    { name: 'زغال‌سنگ خام', uom: t, cap: [50000, 800000], price: 30_000_000 },
    { name: 'کنسانتره زغال‌سنگ', uom: t, cap: [30000, 500000], price: 90_000_000 },
  ] },
  { isic: '0810', kind: 'mining', word: 'معدن سنگ', weight: 8, season: 'build', staff: [10, 120], products: [
    { name: 'سنگ لاشه', uom: t, cap: [20000, 400000], price: 3_000_000 },
    { name: 'سنگ آهک', uom: t, cap: [50000, 800000], price: 4_000_000 },
    { name: 'سنگ گچ', uom: t, cap: [30000, 400000], price: 3_500_000 },
    { name: 'شن و ماسه', uom: t, cap: [50000, 600000], price: 5_000_000 },
    { name: 'بلوک سنگ مرمریت', uom: t, cap: [5000, 80000], price: 40_000_000 },
    { name: 'بلوک گرانیت', uom: t, cap: [5000, 60000], price: 60_000_000 },
  ] },
  { isic: '0891', kind: 'mining', word: 'معدن فسفات و کانی‌های شیمیایی', weight: 1, season: 'mine', provinces: ['21', '20', '08', '09'], staff: [20, 300], products: [
    { name: 'سنگ فسفات', uom: t, cap: [20000, 300000], price: 20_000_000 },
    { name: 'سولفات سدیم', uom: t, cap: [10000, 150000], price: 30_000_000 },
    { name: 'باریت', uom: t, cap: [5000, 60000], price: 25_000_000 },
  ] },
  { isic: '0893', kind: 'mining', word: 'معدن نمک', weight: 2, season: 'mine', provinces: ['20', '25', '22', '07', '19', '11'], staff: [10, 100], products: [
    { name: 'نمک سنگی', uom: t, cap: [10000, 200000], price: 6_000_000 },
    { name: 'نمک آبی', uom: t, cap: [5000, 100000], price: 8_000_000 },
  ] },
  { isic: '0899', kind: 'mining', word: 'معدنی', weight: 4, season: 'mine', provinces: ['20', '09', '21', '10', '19', '28', '03', '04'], staff: [10, 150], products: [
    { name: 'بنتونیت', uom: t, cap: [10000, 150000], price: 12_000_000 },
    { name: 'کائولن', uom: t, cap: [10000, 200000], price: 10_000_000 },
    { name: 'فلدسپات', uom: t, cap: [10000, 200000], price: 9_000_000 },
    { name: 'سیلیس', uom: t, cap: [20000, 300000], price: 8_000_000 },
    { name: 'زئولیت', uom: t, cap: [5000, 80000], price: 15_000_000 },
  ] },
];

/** Units of measure counted in whole numbers (the others keep decimals). */
export const COUNTED_UOMS: ReadonlySet<string> = new Set(['عدد', 'دستگاه', 'حلقه', 'دست', 'هزار عدد', 'هزار جفت', 'هزار دست', 'هزار قالب', 'هزار بطری', 'هزار قوطی', 'هزار شیشه', 'میلیون عدد']);

/** Relative number of industrial units per province (ISO code → weight): the industrial heartlands first. */
export const INDUSTRIAL_WEIGHTS: Record<string, number> = {
  '23': 40, '10': 34, '09': 26, '03': 22, '30': 18, '00': 17, '07': 17, '26': 16, '21': 15, '06': 15,
  '08': 10, '02': 11, '20': 9, '01': 9, '04': 9, '25': 9, '13': 8, '19': 7, '05': 6, '27': 6,
  '22': 6, '15': 5, '18': 5, '12': 4, '24': 4, '29': 3, '28': 3, '14': 3, '11': 3, '16': 2, '17': 2,
};

/** Relative number of mines per province: the ore belts of Kerman, Yazd, Isfahan, Khorasan and Semnan. */
export const MINING_WEIGHTS: Record<string, number> = {
  '08': 12, '21': 9, '10': 8, '20': 7, '09': 6, '29': 5, '19': 5, '07': 4, '00': 3, '03': 3, '22': 3,
  '04': 2, '05': 2, '12': 2, '15': 2, '11': 2, '23': 2, '25': 1, '26': 1, '27': 1, '28': 1, '02': 1,
  '13': 1, '14': 1, '16': 1, '17': 1, '24': 1, '30': 1, '01': 1, '06': 1, '18': 1,
};

/** Cities of each province (the first is the capital), its telephone area code and first postal digit. */
export const PROVINCE_PLACES: Record<string, { cities: readonly string[]; area: string; postal: string }> = {
  '00': { cities: ['اراک', 'ساوه', 'خمین', 'محلات', 'دلیجان', 'شازند'], area: '086', postal: '3' },
  '01': { cities: ['رشت', 'بندر انزلی', 'لاهیجان', 'لنگرود', 'صومعه‌سرا', 'آستارا'], area: '013', postal: '4' },
  '02': { cities: ['ساری', 'قائم‌شهر', 'بابل', 'آمل', 'نکا', 'تنکابن'], area: '011', postal: '4' },
  '03': { cities: ['تبریز', 'مراغه', 'مرند', 'اهر', 'بناب', 'شبستر'], area: '041', postal: '5' },
  '04': { cities: ['ارومیه', 'خوی', 'میاندوآب', 'مهاباد', 'بوکان', 'تکاب'], area: '044', postal: '5' },
  '05': { cities: ['کرمانشاه', 'اسلام‌آباد غرب', 'هرسین', 'کنگاور', 'سنقر'], area: '083', postal: '6' },
  '06': { cities: ['اهواز', 'آبادان', 'بندر ماهشهر', 'دزفول', 'شوشتر', 'امیدیه'], area: '061', postal: '6' },
  '07': { cities: ['شیراز', 'مرودشت', 'جهرم', 'فسا', 'لار', 'آباده'], area: '071', postal: '7' },
  '08': { cities: ['کرمان', 'رفسنجان', 'سیرجان', 'زرند', 'بم', 'بافت'], area: '034', postal: '7' },
  '09': { cities: ['مشهد', 'نیشابور', 'سبزوار', 'تربت حیدریه', 'قوچان', 'چناران'], area: '051', postal: '9' },
  '10': { cities: ['اصفهان', 'کاشان', 'نجف‌آباد', 'شاهین‌شهر', 'مبارکه', 'آران و بیدگل', 'خمینی‌شهر'], area: '031', postal: '8' },
  '11': { cities: ['زاهدان', 'چابهار', 'زابل', 'ایرانشهر'], area: '054', postal: '9' },
  '12': { cities: ['سنندج', 'سقز', 'قروه', 'بیجار'], area: '087', postal: '6' },
  '13': { cities: ['همدان', 'ملایر', 'نهاوند', 'تویسرکان'], area: '081', postal: '6' },
  '14': { cities: ['شهرکرد', 'بروجن', 'فارسان'], area: '038', postal: '8' },
  '15': { cities: ['خرم‌آباد', 'بروجرد', 'دورود', 'الیگودرز'], area: '066', postal: '6' },
  '16': { cities: ['ایلام', 'دهلران', 'مهران'], area: '084', postal: '6' },
  '17': { cities: ['یاسوج', 'دهدشت', 'گچساران'], area: '074', postal: '7' },
  '18': { cities: ['بوشهر', 'عسلویه', 'برازجان', 'کنگان'], area: '077', postal: '7' },
  '19': { cities: ['زنجان', 'ابهر', 'خرمدره', 'قیدار'], area: '024', postal: '4' },
  '20': { cities: ['سمنان', 'شاهرود', 'دامغان', 'گرمسار'], area: '023', postal: '3' },
  '21': { cities: ['یزد', 'اردکان', 'میبد', 'بافق', 'مهریز', 'ابرکوه'], area: '035', postal: '8' },
  '22': { cities: ['بندرعباس', 'قشم', 'میناب', 'بندر لنگه'], area: '076', postal: '7' },
  '23': { cities: ['تهران', 'شهریار', 'اسلامشهر', 'ورامین', 'پاکدشت', 'رباط‌کریم', 'شهر قدس'], area: '021', postal: '1' },
  '24': { cities: ['اردبیل', 'مشگین‌شهر', 'پارس‌آباد', 'خلخال'], area: '045', postal: '5' },
  '25': { cities: ['قم', 'سلفچگان', 'جعفریه'], area: '025', postal: '3' },
  '26': { cities: ['قزوین', 'البرز', 'تاکستان', 'آبیک', 'بوئین‌زهرا'], area: '028', postal: '3' },
  '27': { cities: ['گرگان', 'گنبد کاووس', 'علی‌آباد کتول', 'آق‌قلا'], area: '017', postal: '4' },
  '28': { cities: ['بجنورد', 'شیروان', 'اسفراین'], area: '058', postal: '9' },
  '29': { cities: ['بیرجند', 'قائن', 'طبس', 'فردوس'], area: '056', postal: '9' },
  '30': { cities: ['کرج', 'نظرآباد', 'هشتگرد', 'اشتهارد', 'فردیس'], area: '026', postal: '3' },
};

/** Distinctive words of fictional company names. */
export const BRAND_WORDS: readonly string[] = [
  'پارس', 'آریا', 'البرز', 'زاگرس', 'دماوند', 'کوثر', 'سپید', 'نگین', 'آفتاب', 'مهر', 'کیان', 'آرمان',
  'پویا', 'صدف', 'بهار', 'سحر', 'ستاره', 'آسیا', 'پیشگام', 'نوین', 'اطلس', 'کاوه', 'رویان', 'تابان',
  'فجر', 'آذر', 'سیمرغ', 'هما', 'توس', 'آرین', 'ماهان', 'رادین', 'سپهر', 'آوا', 'زرین', 'فراز', 'امید',
  'اندیشه', 'بامداد', 'سپیده', 'مهرگان', 'تیراژه', 'یکتا', 'پرتو', 'روشن', 'گلرنگ', 'نیکان', 'آیدین',
  'ارغوان', 'سرو', 'چکاد', 'کوهرنگ', 'دشت سبز', 'خورشید', 'نقش جهان', 'ایرانیان', 'شایان', 'آتیه',
];

export const LEGAL_FORMS: readonly { text: string; weight: number }[] = [
  { text: '(سهامی خاص)', weight: 6 },
  { text: '(سهامی عام)', weight: 1 },
  { text: '(مسئولیت محدود)', weight: 3 },
];

export const FIRST_NAMES: readonly string[] = [
  'علی', 'محمد', 'حسین', 'رضا', 'مهدی', 'حسن', 'امیر', 'سعید', 'مجید', 'احمد', 'مریم', 'زهرا', 'فاطمه',
  'سارا', 'نرگس', 'الهام', 'مینا', 'لیلا', 'رامین', 'بهروز', 'کامران', 'فرهاد', 'ناصر', 'جواد', 'وحید',
  'حمید', 'اکبر', 'مصطفی', 'یوسف', 'سمیرا', 'شهرام', 'پریسا', 'نازنین', 'مسعود', 'بابک', 'هادی',
];

export const LAST_NAMES: readonly string[] = [
  'محمدی', 'حسینی', 'احمدی', 'رضایی', 'کریمی', 'موسوی', 'جعفری', 'صادقی', 'قاسمی', 'رحیمی', 'اکبری',
  'نوری', 'طاهری', 'کاظمی', 'عباسی', 'شریفی', 'ملکی', 'یزدانی', 'نجفی', 'هاشمی', 'مرادی', 'بابایی',
  'فرهادی', 'زارعی', 'سلیمانی', 'امینی', 'خلیلی', 'میرزایی', 'شجاعی', 'توکلی', 'دهقان', 'کرمانی',
  'اصفهانی', 'تبریزی', 'شیرازی', 'خراسانی', 'قربانی', 'حیدری', 'پورمحمد', 'نیک‌نام',
];

export const STREETS: readonly string[] = [
  'خیابان صنعت', 'بلوار کارآفرینان', 'خیابان نوآوران', 'خیابان ابتکار', 'خیابان فناوری', 'بلوار اصلی',
  'خیابان یاس', 'خیابان نسترن', 'خیابان تلاش', 'خیابان بهاران', 'خیابان سوم', 'خیابان هفتم', 'خیابان دوازدهم',
];

/** Why an officer returns a filing for correction (DESIGN §6). */
export const RETURN_REASONS: readonly string[] = [
  'ارزش فروش با مقدار فروش و قیمت‌های ماه قبل همخوانی ندارد؛ لطفاً بررسی و اصلاح شود.',
  'مقدار تولید بیش از ظرفیت اسمی پروانه است؛ در صورت صحت، توضیح دهید و گرنه اصلاح شود.',
  'مصرف واسطه بیش از ارزش تولید گزارش شده است؛ ارقام را دوباره بررسی کنید.',
  'تعداد کارکنان نسبت به ماه‌های قبل تغییر زیادی داشته است؛ لطفاً عدد درست را وارد کنید.',
  'مقدار فروش بیش از تولید و موجودی انبار است؛ لطفاً اصلاح شود.',
  'ارزش تولید کمتر از جمع ارزش فروش محصولات گزارش شده است.',
];
