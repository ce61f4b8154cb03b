/**
 * Every MQTT topic of the Kanki contract is built and parsed here, and nowhere else.
 * Layout (see README "Topics and payloads"):
 *   kanki/v1/sensors/{sensorId}/reading    device → ingest, QoS 1
 *   kanki/v1/sensors/{sensorId}/status     device (retained `online`, Last Will `offline`)
 *   kanki/v1/rooms/{facilityId}/{roomId}/state   ingest → everyone, retained
 *   kanki/v1/alerts/{facilityId}/{roomId}        ingest → staff side
 *   kanki/v1/ingest/rejected                     ingest dead letters (reason attached)
 */
export const TOPIC_ROOT = 'kanki/v1';

/** Sensor ids appear in topics and as InfluxDB tags: keep them to a safe, readable alphabet. */
export const SENSOR_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const SENSOR_READINGS_FILTER = `${TOPIC_ROOT}/sensors/+/reading`;
export const SENSOR_STATUS_FILTER = `${TOPIC_ROOT}/sensors/+/status`;
export const ROOM_STATE_FILTER = `${TOPIC_ROOT}/rooms/+/+/state`;
export const ALERTS_FILTER = `${TOPIC_ROOT}/alerts/+/+`;
export const DEAD_LETTER_TOPIC = `${TOPIC_ROOT}/ingest/rejected`;

export function buildSensorReadingTopic(sensorId: string): string {
  return `${TOPIC_ROOT}/sensors/${sensorId}/reading`;
}

export function buildSensorStatusTopic(sensorId: string): string {
  return `${TOPIC_ROOT}/sensors/${sensorId}/status`;
}

/** Prefix under which one device may publish (the broker's ACL). */
export function buildSensorTopicPrefix(sensorId: string): string {
  return `${TOPIC_ROOT}/sensors/${sensorId}/`;
}

export function buildRoomStateTopic(facilityId: string, roomId: string): string {
  return `${TOPIC_ROOT}/rooms/${facilityId}/${roomId}/state`;
}

export function buildAlertTopic(facilityId: string, roomId: string): string {
  return `${TOPIC_ROOT}/alerts/${facilityId}/${roomId}`;
}

export type SensorTopic = { sensorId: string; kind: 'reading' | 'status' };

/** Parses `kanki/v1/sensors/{id}/{reading|status}`; returns null for anything else. */
export function parseSensorTopic(topic: string): SensorTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== 'kanki' || parts[1] !== 'v1' || parts[2] !== 'sensors') return null;
  const sensorId = parts[3] ?? '';
  const kind = parts[4];
  if (!SENSOR_ID_PATTERN.test(sensorId)) return null;
  if (kind !== 'reading' && kind !== 'status') return null;
  return { sensorId, kind };
}

export type RoomTopic = { facilityId: string; roomId: string };

/** Parses `kanki/v1/rooms/{facility}/{room}/state`; returns null for anything else. */
export function parseRoomStateTopic(topic: string): RoomTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 6 || parts[0] !== 'kanki' || parts[1] !== 'v1' || parts[2] !== 'rooms' || parts[5] !== 'state') {
    return null;
  }
  const facilityId = parts[3];
  const roomId = parts[4];
  if (!facilityId || !roomId) return null;
  return { facilityId, roomId };
}
