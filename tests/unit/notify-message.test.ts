/**
 * What staff read: every alert message names the room, says how bad it is in words, gives the
 * value, the trend, the time in Japan and what to do, offers the "record what you did" link, and
 * never lets a room name break the HTML mail. Digests list every room of the day.
 */
import { describe, expect, it } from 'vitest';
import { actionText, levelLabel, renderNotice } from '../../ingest/src/notify/message.ts';
import type { AlertNotice, DigestNotice } from '../../ingest/src/notify/notifier.ts';

const AT = Date.parse('2026-11-24T01:05:00Z'); // 10:05 in Tokyo

function alert(event: Partial<AlertNotice['event']> = {}, extra: Partial<AlertNotice> = {}): AlertNotice {
  return {
    kind: 'alert',
    deliveryId: 'dlv-1',
    facility: { id: 'minami-nursery', name: { ja: '南浅間保育園', en: 'Minami-Sengen Nursery' } },
    room: { id: 'hiyoko', name: { ja: 'ひよこ組', en: 'Chicks room' } },
    event: {
      type: 'raised', level: 'ventilate', co2: 1183, at: AT, alertId: 'al-1',
      thresholds: { fair: 800, ventilate: 1000, critical: 1500 },
      trend: { ppmPer10Min: 120, direction: 'rising' },
      ...event,
    },
    links: { ack: 'https://kanki.example.jp/ack/tok123', room: 'https://kanki.example.jp/rooms/minami-nursery/hiyoko' },
    ...extra,
  };
}

describe('renderNotice: alerts', () => {
  it('says in Japanese which room, how bad, the value, the trend, the time, what to do and where to record it', () => {
    const m = renderNotice(alert(), 'ja');
    expect(m.subject.startsWith('【換気】')).toBe(true);
    expect(m.subject).toContain('南浅間保育園 ひよこ組');
    expect(m.subject).toContain('換気してください');
    expect(m.text).toContain('1183 ppm');
    expect(m.text).toContain('上昇中（10分で +120 ppm）');
    expect(m.text).toContain('11月24日 10:05');
    expect(m.text).toContain('対角線上の窓を2か所、10〜15cm開けてください。換気扇があれば回してください。');
    expect(m.text).toContain('対応を記録する: https://kanki.example.jp/ack/tok123');
    expect(m.text).toContain('https://kanki.example.jp/rooms/minami-nursery/hiyoko');
    expect(m.text).not.toMatch(/Chicks|Please/);
    expect(m.html).toContain('href="https://kanki.example.jp/ack/tok123"');
  });

  it('says the same in English', () => {
    const m = renderNotice(alert(), 'en');
    expect(m.subject.startsWith('[Kanki] ')).toBe(true);
    expect(m.subject).toContain('Chicks room, Minami-Sengen Nursery');
    expect(m.subject).toContain('Please ventilate');
    expect(m.text).toContain('1183 ppm');
    expect(m.text).toContain('rising (+120 ppm per 10 min)');
    expect(m.text).toContain('Nov 24, 10:05');
    expect(m.text).toContain('Open two windows on opposite sides (10–15 cm) and turn on the ventilation fan.');
    expect(m.text).toContain('Record what you did: https://kanki.example.jp/ack/tok123');
    expect(m.text).not.toMatch(/ひよこ組/);
  });

  it('gives Japanese first, then English, with each link once, for ja+en', () => {
    const m = renderNotice(alert(), 'ja+en');
    expect(m.text.indexOf('ひよこ組')).toBeLessThan(m.text.indexOf('Chicks room'));
    expect(m.text).toContain('対応を記録する / Record what you did: https://kanki.example.jp/ack/tok123');
    expect(m.text.split('https://kanki.example.jp/ack/tok123')).toHaveLength(2);
    expect(m.subject).toContain('【換気】');
    expect(m.subject).toContain('Chicks room');
  });

  it('shows the time in another zone when asked', () => {
    expect(renderNotice(alert(), 'en', { timeZone: 'UTC' }).text).toContain('Nov 24, 01:05');
  });

  it('escapes HTML in names, so a room called "<script>" cannot break or inject into the mail', () => {
    const n = alert({}, { room: { id: 'x', name: { ja: '<script>alert(1)</script>', en: 'A & "B" <C>' } } });
    const ja = renderNotice(n, 'ja');
    expect(ja.html).not.toContain('<script>');
    expect(ja.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const en = renderNotice(n, 'en');
    expect(en.html).toContain('A &amp; &quot;B&quot; &lt;C&gt;');
    expect(en.text).toContain('A & "B" <C>');
  });

  it('is more urgent for critical', () => {
    const m = renderNotice(alert({ level: 'critical', co2: 1720 }), 'ja+en');
    expect(m.subject).toContain('すぐに換気');
    expect(m.text).toContain('今すぐ窓やドアを大きく開けて');
    expect(m.text).toContain('Ventilate now');
    expect(m.text).toContain('Open windows and doors wide now');
    expect(levelLabel('critical', 'ja')).toBe('すぐに換気');
  });

  it('says plainly that CO₂ keeps rising and when it will pass the line, for an early alert', () => {
    const early = alert({ level: 'fair', co2: 912, reason: 'rising', projectedMinutes: 4 });
    const ja = renderNotice(early, 'ja');
    expect(ja.subject).toContain('CO₂濃度が上がり続けています');
    expect(ja.text).toContain('CO₂濃度が上がり続けています（現在 912 ppm）。約4分で1000ppmを超える見込みです。');
    expect(ja.text).toContain('対角線上の窓を2か所、10〜15cm開けてください。');
    expect(ja.text).toContain('対応を記録する: https://kanki.example.jp/ack/tok123');
    const en = renderNotice(early, 'en');
    expect(en.subject).toContain('CO₂ rising (fresh air needed soon)');
    expect(en.text).toContain('CO₂ keeps rising (now 912 ppm) and will pass 1000 ppm in about 4 min at this rate.');
    expect(en.text).toContain('Open two windows on opposite sides (10–15 cm)');
    expect(actionText(early, 'en')).toContain('Open two windows');
    // Without the minutes (an older outbox row) it still reads.
    expect(renderNotice(alert({ level: 'fair', co2: 912, reason: 'rising' }), 'ja').text).toContain('まもなく1000ppmを超える見込みです');
  });

  it('asks for more when windows were opened but CO₂ did not fall', () => {
    const n = alert({ type: 'escalated', reason: 'no_improvement', trend: { ppmPer10Min: 0, direction: 'steady' } });
    expect(renderNotice(n, 'en').text).toContain('CO₂ has not fallen since windows were opened — open more windows or reduce the number of people in the room.');
    expect(renderNotice(n, 'ja').text).toContain('開ける窓を増やすか、部屋の人数を減らしてください');
    expect(renderNotice(n, 'ja').text).toContain('横ばい');
  });

  it('asks to open the windows again when CO₂ is back over the line after improving', () => {
    const n = alert({ type: 'escalated', reason: 'relapse', co2: 1150 });
    const ja = renderNotice(n, 'ja');
    expect(ja.subject).toContain('再び上がっています');
    expect(ja.text).toContain('再び 1000 ppm を超えています');
    expect(ja.text).toContain('もう一度窓を開けてください');
    expect(ja.text).toContain('前より広く');
    expect(renderNotice(n, 'en').text).toContain('The gap left last time was not enough: when you close them, leave two windows on opposite sides open wider than before');
  });

  it('from a room\'s second alert of the day on, advises a gap kept open for the rest of the day (raised only)', () => {
    expect(renderNotice(alert({ type: 'raised', alertsToday: 1 }), 'en').text).not.toContain('alert number');
    const second = alert({ type: 'raised', alertsToday: 3 });
    expect(renderNotice(second, 'en').text).toContain("This is the room's alert number 3 today. After airing, leave two windows on opposite sides open 10–20 cm and keep them so for the rest of the day");
    expect(renderNotice(second, 'ja').text).toContain('今日はそのまま続けてください');
    expect(renderNotice(alert({ type: 'escalated', reason: 'duration', alertsToday: 3 }), 'en').text).not.toContain('alert number');
  });

  it('an early warning raised on a climb already past the line says so, not that it will pass it', () => {
    const n = alert({ type: 'raised', reason: 'rising', level: 'fair', co2: 1037, projectedMinutes: 1 });
    expect(renderNotice(n, 'ja').text).toContain('CO₂濃度が上がり続け、1000ppmを超えました（現在 1037 ppm）。');
    expect(renderNotice(n, 'ja').text).not.toContain('見込み');
    expect(renderNotice(n, 'en').text).toContain('CO₂ keeps rising and has passed 1000 ppm (now 1037 ppm).');
  });

  it('reminds that nothing has been done yet, and still asks for the windows', () => {
    const n = alert({ type: 'escalated', reason: 'reminder', level: 'ventilate', co2: 1180 });
    expect(renderNotice(n, 'ja').subject).toContain('まだ対応の記録がありません');
    expect(renderNotice(n, 'ja').text).toContain('CO₂濃度が高いままで、まだ対応の記録がありません（現在 1180 ppm');
    expect(renderNotice(n, 'en').text).toContain('CO₂ is still high and no action has been recorded yet (now 1180 ppm');
    expect(renderNotice(n, 'en').text).toContain(actionText(alert({ type: 'raised', level: 'ventilate' }), 'en') ?? 'an action');
  });

  it('says an early warning came true and asks for the windows, when nobody acted on it', () => {
    const n = alert({ type: 'escalated', reason: 'confirmed', level: 'ventilate', co2: 1040 });
    const ja = renderNotice(n, 'ja');
    expect(ja.subject).toContain('早めのお知らせのとおり上昇');
    expect(ja.text).toContain('早めにお知らせしたとおり、CO₂濃度が 1000 ppm を超えました（現在 1040 ppm）');
    const en = renderNotice(n, 'en');
    expect(en.text).toContain('As warned, CO₂ has passed 1000 ppm (now 1040 ppm).');
    expect(en.text).toContain(actionText(n, 'en') ?? 'an action');
  });

  it('asks to check power and Wi-Fi when the monitor is offline, without a value', () => {
    const n = alert({ type: 'sensor_offline', level: 'nodata', co2: null, reason: 'lwt', trend: null });
    const ja = renderNotice(n, 'ja');
    expect(ja.subject).toContain('データなし');
    expect(ja.text).toContain('電源');
    expect(ja.text).toContain('Wi-Fi');
    expect(ja.text).not.toContain('ppm');
    expect(renderNotice(n, 'en').text).toContain("Check the CO₂ monitor's power");
  });

  it('says windows can be closed gradually once resolved', () => {
    const n = alert({ type: 'resolved', level: 'good', co2: 720, trend: { ppmPer10Min: -140, direction: 'falling' } });
    const en = renderNotice(n, 'en');
    expect(en.subject).toContain('Good');
    expect(en.text).toContain('720 ppm');
    expect(en.text).toContain('falling (-140 ppm per 10 min)');
    expect(en.text).toContain('close the windows gradually');
    expect(renderNotice(n, 'ja').text).toContain('窓は少しずつ閉めて');
  });

  it('says who did what on acknowledged, and that CO₂ is falling on improving', () => {
    const ack = alert({ type: 'acknowledged', ack: { action: 'windows_opened', by: '山田', at: AT + 7 * 60_000 } });
    expect(renderNotice(ack, 'ja').text).toContain('山田 が「窓を開けた」と記録しました（11月24日 10:12）');
    expect(renderNotice(ack, 'en').text).toContain('山田 recorded “windows opened” (Nov 24, 10:12)');
    const improving = alert({ type: 'improving', co2: 1050, trend: { ppmPer10Min: -90, direction: 'falling' } });
    expect(renderNotice(improving, 'ja').text).toContain('下がってきています');
    expect(renderNotice(improving, 'en').subject).toContain('Improving');
    expect(actionText(improving, 'en')).toBe('Keep ventilating until the level is good.');
  });

  it('mentions notifications held back by the rate limit', () => {
    expect(renderNotice(alert({}, { suppressed: 3 }), 'en').text).toContain('3 other notifications were held back by the rate limit.');
    expect(renderNotice(alert({}, { suppressed: 1 }), 'en').text).toContain('1 other notification was held back by the rate limit.');
    expect(renderNotice(alert({}, { suppressed: 3 }), 'ja').text).toContain('3 件の通知');
    expect(renderNotice(alert({}, { suppressed: 0 }), 'en').text).not.toContain('held back');
  });

  it('leaves out links it does not have, and any that are not http(s)', () => {
    const m = renderNotice(alert({}, { links: { room: 'javascript:alert(1)' } }), 'en');
    expect(m.text).not.toContain('Record what you did');
    expect(m.html).not.toContain('javascript:');
  });
});

describe('renderNotice: digest', () => {
  const digest: DigestNotice = {
    kind: 'digest',
    deliveryId: 'dig-1',
    day: '2026-11-24',
    items: [
      {
        facility: { id: 'minami-nursery', name: { ja: '南浅間保育園', en: 'Minami-Sengen Nursery' } },
        room: { id: 'hiyoko', name: { ja: 'ひよこ組', en: 'Chicks room' } },
        alerts: 2, maxCo2: 1650, openMinutes: 85, acknowledged: 1, sensorOffline: 0, stillOpen: true,
      },
      {
        facility: { id: 'nishi-ward-office', name: { ja: '西区役所', en: 'Nishi Ward Office' } },
        room: { id: '1f-counter', name: { ja: '1階 窓口', en: '1F service counter' } },
        alerts: 1, maxCo2: 1040, openMinutes: 12, acknowledged: 0, sensorOffline: 1, stillOpen: false,
      },
    ],
  };

  it('heads with the day and lists every room with its alerts, highest value, duration and state', () => {
    const ja = renderNotice(digest, 'ja');
    expect(ja.subject).toContain('【換気】11月24日(火)');
    expect(ja.subject).toContain('アラート 3件');
    expect(ja.text).toMatch(/南浅間保育園 ひよこ組: アラート 2件、最高 1650 ppm、.*1時間25分、対応記録 1件、まだ続いています/);
    expect(ja.text).toMatch(/西区役所 1階 窓口: アラート 1件、最高 1040 ppm、.*12分、モニター停止 1回/);
    const en = renderNotice(digest, 'en');
    expect(en.subject).toContain('Tue, Nov 24');
    expect(en.text).toContain('Chicks room, Minami-Sengen Nursery: 2 alerts, max 1650 ppm');
    expect(en.text).toContain('still open');
    expect(en.text).toContain('1F service counter, Nishi Ward Office: 1 alert, max 1040 ppm');
    expect(en.html).toContain('<li');
  });

  it('says so when the day had no alerts', () => {
    expect(renderNotice({ ...digest, items: [] }, 'ja').text).toContain('アラートはありませんでした');
    expect(renderNotice({ ...digest, items: [] }, 'en').text).toContain('No alerts that day.');
  });
});
