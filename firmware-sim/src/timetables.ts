/**
 * Day plans per room use: a list of segments (who is there, doing what, with how much outdoor air).
 * Basic on purpose — a later issue deepens them per facility kind — but shaped like real days:
 * the Japanese school bell schedule, counter rush hours, booking slots (午前・午後・夜間), a nursery's
 * nap, a hall's performances. Every random choice is a keyed draw on (room or facility, day, what),
 * so a day plays out the same however often it is asked for, and differently on the next day.
 */
import type { Activity } from './physics.ts';
import type { LocalDay, RoomProfile } from './occupancy.ts';
import type { KeyedRandom } from './random.ts';

/** A stretch of a local day. Where segments overlap, the earlier one in the plan wins. */
export type Segment = {
  /** Minutes since local midnight, start inclusive, end exclusive. */
  from: number;
  to: number;
  /** Fraction of the room's capacity present (main group); with `fillTo`, a linear ramp. */
  fill: number;
  fillTo?: number;
  activity: Activity;
  /** Adults on top of the main group (teacher, counter staff, nursery staff, evening sports groups). */
  staff?: { count: number; activity: Activity };
  /** Air changes per hour with the windows shut (infiltration + any mechanical ventilation). */
  ach: number;
  /** Chance that the windows are opened for this segment (decided once per segment and day). */
  windowChance?: number;
  label: string;
};

const hm = (h: number, m = 0): number => h * 60 + m;

type Span = readonly [from: number, to: number];

/** Bell schedules. Elementary: DESIGN.md; junior high: the common 50-minute day. */
const SCHOOL_TIMETABLES: Record<RoomProfile['schoolLevel'], { lessons: readonly Span[]; lunch: Span }> = {
  elementary: {
    lessons: [[hm(8, 45), hm(9, 30)], [hm(9, 40), hm(10, 25)], [hm(10, 50), hm(11, 35)], [hm(11, 50), hm(12, 35)], [hm(13, 55), hm(14, 40)], [hm(14, 50), hm(15, 35)]],
    lunch: [hm(12, 35), hm(13, 20)],
  },
  juniorHigh: {
    lessons: [[hm(8, 50), hm(9, 40)], [hm(9, 50), hm(10, 40)], [hm(10, 50), hm(11, 40)], [hm(11, 50), hm(12, 40)], [hm(13, 35), hm(14, 25)], [hm(14, 35), hm(15, 25)]],
    lunch: [hm(12, 40), hm(13, 15)],
  },
};

/** Summer, winter and spring breaks (approximate Yokohama dates); public holidays are `day.holiday`. */
function isSchoolBreak(day: LocalDay): boolean {
  const { month: m, date: d } = day;
  return (m === 7 && d >= 21) || m === 8 || (m === 12 && d >= 26) || (m === 1 && d <= 7) || (m === 3 && d >= 25) || (m === 4 && d <= 5);
}
/** Monday to Friday and not a public holiday: the days schools, ward offices and counters work. */
const isWeekday = (day: LocalDay) => day.weekday >= 1 && day.weekday <= 5 && !day.holiday;
/** A day with lessons: a working weekday outside the school breaks. */
export const isSchoolDay = (day: LocalDay) => isWeekday(day) && !isSchoolBreak(day);
/** Ward offices close for the New Year holidays (12/29–1/3). */
const isYearEnd = (day: LocalDay) => (day.month === 12 && day.date >= 29) || (day.month === 1 && day.date <= 3);

type Draw = (what: string) => number;

function classroomDay(p: RoomProfile, day: LocalDay, r: Draw): Segment[] {
  if (!isSchoolDay(day)) return [];
  const t = SCHOOL_TIMETABLES[p.schoolLevel];
  const attendance = 0.9 + 0.1 * r('attendance');
  // Each room keeps its own habit for the day: most keep windows nearly shut in lessons (0.7–1.5 ACH,
  // infiltration through old sashes), some leave them ajar (up to 3.5 ACH). Squared: shut is commoner.
  const lessonAch = 0.7 + 2.8 * r('lesson-ach') ** 2;
  const lessons = p.schoolLevel === 'elementary' && r('sixth-lesson') >= 0.6 ? t.lessons.slice(0, 5) : t.lessons;
  const teacher = { count: 1, activity: 'light' as const };
  const segments: Segment[] = [];
  const [firstFrom] = lessons[0] ?? [hm(8, 45)];
  segments.push({ from: firstFrom - 45, to: firstFrom - 20, fill: 0, fillTo: 0.9 * attendance, activity: 'light', ach: lessonAch, label: 'arrival' });
  segments.push({ from: firstFrom - 20, to: firstFrom, fill: attendance, activity: 'seated', staff: teacher, ach: lessonAch, windowChance: 0.3, label: 'morning assembly' });
  lessons.forEach(([from, to], i) => {
    segments.push({ from, to, fill: attendance, activity: 'seated', staff: teacher, ach: lessonAch, label: `lesson ${i + 1}` });
    const next = lessons[i + 1];
    if (!next) {
      segments.push({ from: to, to: to + 15, fill: attendance, activity: 'seated', staff: teacher, ach: lessonAch, windowChance: 0.3, label: 'homeroom' });
      segments.push({ from: to + 15, to: hm(17), fill: 0, activity: 'seated', staff: { count: 1, activity: 'seated' }, ach: lessonAch, label: 'teacher only' });
    } else if (to === t.lunch[0]) {
      // 給食 is eaten in the classroom: full room, and schools are asked to air it while eating.
      segments.push({ from: to, to: t.lunch[1], fill: attendance, activity: 'seated', staff: teacher, ach: lessonAch, windowChance: 0.5, label: 'lunch' });
      segments.push({ from: t.lunch[1], to: next[0], fill: 0.3 * attendance, activity: 'light', ach: lessonAch, windowChance: 0.8, label: 'recess and cleaning' });
    } else if (next[0] - to >= 20) {
      segments.push({ from: to, to: next[0], fill: 0.15 * attendance, activity: 'light', ach: lessonAch, windowChance: 0.7, label: 'recess' });
    } else {
      segments.push({ from: to, to: next[0], fill: 0.7 * attendance, activity: 'light', ach: lessonAch, windowChance: 0.5, label: 'break' });
    }
  });
  return segments;
}

/** Booking slots: each hour is 50 minutes of use and 10 minutes in which the group may air the room. */
function bookedSlots(p: RoomProfile, slots: readonly Span[], r: Draw, o: { chance: number; ach: number; adults?: boolean }): Segment[] {
  const segments: Segment[] = [];
  for (const [from, to] of slots) {
    if (r(`slot-${from}`) >= o.chance) continue;
    const fill = 0.4 + 0.6 * r(`slot-${from}-fill`);
    for (let h = from; h < to; h += 60) {
      const end = Math.min(h + 60, to);
      // Adults in a room whose main group is children (a school gym lent out in the evening) are staff.
      const who = o.adults && p.group !== 'adult'
        ? { fill: 0, staff: { count: Math.round(fill * Math.min(p.capacity, 30)), activity: p.usualActivity } }
        : { fill };
      segments.push({ from: h, to: end - 10, ...who, activity: p.usualActivity, ach: o.ach, label: 'booked' });
      segments.push({ from: end - 10, to: end, ...who, activity: p.usualActivity, ach: o.ach, windowChance: 0.5, label: 'booked, airing' });
    }
  }
  return segments;
}

const SLOTS_COMMUNITY: readonly Span[] = [[hm(9), hm(12)], [hm(13), hm(17)], [hm(18), hm(21)]];
const hourly = (from: number, to: number, skip: readonly number[] = []): Span[] =>
  Array.from({ length: to - from }, (_, i) => from + i).filter((h) => !skip.includes(h)).map((h) => [hm(h), hm(h + 1)] as const);

function schoolRoomDay(p: RoomProfile, day: LocalDay, r: Draw): Segment[] {
  const lessons = SCHOOL_TIMETABLES[p.schoolLevel].lessons;
  const classShare = Math.min(1, 36 / Math.max(1, p.capacity));
  const segments: Segment[] = [];
  if (isSchoolDay(day)) {
    // A gym hosts PE for about half the lessons, a music room or library a class now and then.
    const chance = p.use === 'gym' ? 0.5 : 0.4;
    lessons.forEach(([from, to], i) => {
      if (r(`lesson-${i}`) < chance) {
        segments.push({ from, to, fill: classShare, activity: p.usualActivity, staff: { count: 1, activity: 'light' }, ach: p.use === 'gym' ? 2 : 1, windowChance: 0.5, label: `lesson ${i + 1}` });
      }
    });
  }
  if (p.use === 'gym') {
    // 学校開放: school gyms are lent to local sports groups on weekday evenings and weekends.
    const slots: Span[] = isWeekday(day) ? [[hm(19), hm(21)]] : day.weekday === 6 ? [[hm(9), hm(12)], [hm(13), hm(17)]] : [[hm(9), hm(12)]];
    segments.push(...bookedSlots(p, slots, r, { chance: 0.5, ach: 2, adults: true }));
  }
  return segments;
}

/** Counter visitors per hour as a share of capacity: busy mid-morning and early afternoon, quiet at lunch. */
const COUNTER_CURVE: readonly (readonly [number, number])[] = [
  [hm(8, 45), 0.35], [hm(10), 0.6], [hm(11), 0.65], [hm(12), 0.4], [hm(13), 0.6], [hm(14), 0.7], [hm(15), 0.55], [hm(16), 0.35],
];

function counterDay(p: RoomProfile, day: LocalDay, r: Draw): Segment[] {
  if (!isWeekday(day) || isYearEnd(day)) return [];
  // Mondays (and days after a holiday) are the busiest at Japanese ward counters.
  const busy = day.weekday === 1 ? 1.2 : 0.8 + 0.25 * r('busy');
  const staff = { count: Math.round(0.3 * p.capacity), activity: 'seated' as const };
  const ach = 2; // mechanical ventilation sized for ~30 m³/h per person (Building Sanitation Act)
  const segments: Segment[] = [{ from: hm(8, 30), to: hm(8, 45), fill: 0, activity: 'light', staff, ach, label: 'opening' }];
  COUNTER_CURVE.forEach(([from, share], i) => {
    const to = COUNTER_CURVE[i + 1]?.[0] ?? hm(17, 15);
    const fill = Math.min(0.7, 0.7 * share * busy * (0.85 + 0.3 * r(`hour-${from}`)));
    segments.push({ from, to, fill, activity: 'light', staff, ach, label: 'open' });
  });
  segments.push({ from: hm(17, 15), to: hm(17, 45), fill: 0, activity: 'light', staff, ach, label: 'closing' });
  return segments;
}

function nurseryDay(p: RoomProfile, day: LocalDay, r: Draw): Segment[] {
  // Public nurseries close on Sundays and public holidays (休日保育 is a separate service).
  if (day.weekday === 0 || day.holiday || isYearEnd(day)) return [];
  // Saturday care is for working parents only: about a third of the children.
  const attendance = (day.weekday === 6 ? 0.3 : 0.85) + 0.15 * r('attendance');
  const staff = { count: Math.max(1, Math.ceil((p.capacity * attendance) / 6)), activity: 'light' as const };
  // Nurseries have mechanical ventilation and are asked to keep a window ajar: ~2 ACH.
  const ach = 2;
  const outdoors = r('outdoor-play') < 0.6; // weather permitting
  return [
    { from: hm(7), to: hm(9), fill: 0.1 * attendance, fillTo: 0.9 * attendance, activity: 'light', staff, ach, label: 'drop-off' },
    { from: hm(9), to: hm(10), fill: attendance, activity: 'light', staff, ach, windowChance: 0.3, label: 'morning activities' },
    outdoors
      ? { from: hm(10), to: hm(11), fill: 0.1 * attendance, activity: 'light', staff: { count: 1, activity: 'light' }, ach, windowChance: 0.7, label: 'outdoor play' }
      : { from: hm(10), to: hm(11), fill: attendance, activity: 'light', staff, ach, windowChance: 0.3, label: 'indoor play' },
    { from: hm(11), to: hm(12), fill: attendance, activity: 'seated', staff, ach, windowChance: 0.3, label: 'lunch' },
    { from: hm(12), to: hm(12, 15), fill: attendance, activity: 'light', staff, ach, label: 'getting ready for nap' },
    // お昼寝: curtains drawn and windows shut, so the nap is often the worst air of the day.
    { from: hm(12, 15), to: hm(14, 45), fill: attendance, activity: 'sleeping', staff: { ...staff, activity: 'seated' }, ach, label: 'nap' },
    { from: hm(14, 45), to: hm(16), fill: attendance, activity: 'light', staff, ach, windowChance: 0.4, label: 'snack and play' },
    { from: hm(16), to: hm(19), fill: 0.9 * attendance, fillTo: 0.05, activity: 'light', staff, ach, label: 'pick-up' },
  ];
}

/** Performances of a hall, drawn per facility so that the auditorium and its lobby agree. */
function hallEvents(p: RoomProfile, day: LocalDay, rand: KeyedRandom): { from: number; to: number; fill: number }[] {
  const weekend = day.weekday === 0 || day.weekday === 6 || day.holiday;
  const options: readonly [number, number, number][] = weekend
    ? [[hm(10), hm(12), 0.3], [hm(13, 30), hm(16), 0.7], [hm(18), hm(20, 30), 0.3]]
    : [[hm(13, 30), hm(16), 0.45], [hm(18, 30), hm(21), 0.35]];
  return options
    .filter(([from, , chance]) => rand(`${p.facilityId}|${day.key}|event-${from}`) < chance)
    .map(([from, to]) => ({ from, to, fill: 0.5 + 0.45 * rand(`${p.facilityId}|${day.key}|event-${from}-fill`) }));
}

function hallDay(p: RoomProfile, day: LocalDay, rand: KeyedRandom): Segment[] {
  const staff = { count: 3, activity: 'light' as const };
  const segments: Segment[] = [];
  for (const e of hallEvents(p, day, rand)) {
    const mid = Math.round((e.from + e.to) / 2);
    if (p.use === 'event') {
      // Audience halls are mechanically ventilated for a full house (~25–30 m³/h per seat).
      segments.push(
        { from: e.from - 30, to: e.from, fill: 0, fillTo: e.fill, activity: 'seated', staff, ach: 2.5, label: 'doors open' },
        { from: e.from, to: mid - 10, fill: e.fill, activity: 'seated', staff, ach: 2.5, label: 'performance' },
        { from: mid - 10, to: mid + 5, fill: 0.5 * e.fill, activity: 'light', staff, ach: 2.5, label: 'intermission' },
        { from: mid + 5, to: e.to, fill: e.fill, activity: 'seated', staff, ach: 2.5, label: 'performance' },
        { from: e.to, to: e.to + 15, fill: e.fill, fillTo: 0, activity: 'light', staff, ach: 2.5, label: 'leaving' },
      );
    } else {
      segments.push(
        { from: e.from - 30, to: e.from, fill: 0.5 * e.fill, activity: 'light', staff, ach: 2, label: 'before the performance' },
        { from: mid - 10, to: mid + 5, fill: 0.6 * e.fill, activity: 'light', staff, ach: 2, label: 'intermission' },
        { from: e.to, to: e.to + 20, fill: 0.4 * e.fill, fillTo: 0, activity: 'light', staff, ach: 2, label: 'after the performance' },
      );
    }
  }
  segments.push({ from: hm(9), to: hm(21, 30), fill: p.use === 'lobby' ? 0.05 : 0, activity: 'light', staff, ach: 1, label: 'open' });
  return segments;
}

function shelterDay(): Segment[] {
  // An evacuation shelter in use: crowded and shut at night, half empty by day while people go out.
  return [
    { from: hm(0), to: hm(6), fill: 0.85, activity: 'sleeping', ach: 1, label: 'night' },
    { from: hm(6), to: hm(8), fill: 0.85, fillTo: 0.4, activity: 'light', ach: 1.5, windowChance: 0.5, label: 'morning' },
    ...hourly(8, 18).map(([from, to]): Segment => ({ from, to, fill: 0.4, activity: 'light', ach: 2, windowChance: 0.4, label: 'day' })),
    { from: hm(18), to: hm(21), fill: 0.4, fillTo: 0.85, activity: 'seated', ach: 1.5, windowChance: 0.3, label: 'evening' },
    { from: hm(21), to: hm(24), fill: 0.85, activity: 'sleeping', ach: 1, label: 'night' },
  ];
}

/** The plan of one room for one local day (empty when the room is closed all day). */
export function buildDayPlan(p: RoomProfile, day: LocalDay, rand: KeyedRandom): Segment[] {
  const r: Draw = (what) => rand(`${p.key}|${day.key}|${what}`);
  switch (p.use) {
    case 'classroom':
      return classroomDay(p, day, r);
    case 'counter':
      return counterDay(p, day, r);
    case 'nursery':
      return nurseryDay(p, day, r);
    case 'event':
    case 'lobby':
      return hallDay(p, day, rand);
    case 'shelter':
      return shelterDay();
    case 'gym':
    case 'booked':
      break;
  }
  if (p.kind === 'school') return schoolRoomDay(p, day, r);
  switch (p.kind) {
    case 'office':
      return isWeekday(day) && !isYearEnd(day) ? bookedSlots(p, hourly(9, 17, [12]), r, { chance: 0.5, ach: 2 }) : [];
    case 'nursery':
      return day.weekday === 0 || day.holiday ? [] : bookedSlots(p, [[hm(10), hm(11)], [hm(15), hm(16)]], r, { chance: 0.6, ach: 2 });
    case 'hall':
      return bookedSlots(p, SLOTS_COMMUNITY, r, { chance: 0.5, ach: 2 });
    case 'other':
      return bookedSlots(p, hourly(9, 21), r, { chance: 0.65, ach: 3 });
    default:
      // Community centres: 午前・午後・夜間 slots; Sunday evenings closed.
      return bookedSlots(p, day.weekday === 0 ? SLOTS_COMMUNITY.slice(0, 2) : SLOTS_COMMUNITY, r, { chance: 0.55, ach: 2 });
  }
}
