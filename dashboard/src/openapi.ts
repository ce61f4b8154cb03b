/**
 * The OpenAPI 3.1 description of the public API, as a typed object built from the same constants the
 * routes use (resolutions, range bounds, levels, kinds, CSV columns, licence), so the document cannot
 * drift from them silently. A test requests every documented path and checks every public `/api/v1`
 * route is documented. Served at `GET /api/v1/openapi.json`.
 */
import { LEVELS } from '../../common/levels.ts';
import { FACILITY_KINDS } from '../../common/registry.ts';
import { RESOLUTIONS } from './routes/params.ts';
import { CSV_COLUMNS } from './exports/format.ts';
import { DATA_LICENCE } from './exports/licence.ts';
import { DEFAULT_EXPORT_RANGE_MS, DEFAULT_EXPORT_RESOLUTION, EXPORT_FORMATS, EXPORT_MAX_RANGE_MS } from './routes/export-params.ts';
import { DEFAULT_RANGE_MS, MAX_RANGE_BY_RESOLUTION, MAX_RANGE_MS } from './routes/readings.ts';

/** A JSON Schema (2020-12, as OpenAPI 3.1 uses it): the subset this document needs. */
export type JsonSchema = {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'null' | readonly ('string' | 'integer' | 'number' | 'null')[];
  description?: string;
  format?: string;
  enum?: readonly (string | number)[];
  const?: string;
  properties?: Readonly<Record<string, JsonSchema>>;
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  pattern?: string;
  default?: string | number;
  $ref?: string;
  examples?: readonly unknown[];
};
/** A parameter object. */
export type OpenApiParameter = { name: string; in: 'path' | 'query'; required: boolean; description: string; schema: JsonSchema; example?: string };
/** A response object. */
export type OpenApiResponse = {
  description: string;
  headers?: Readonly<Record<string, { description: string; schema: JsonSchema }>>;
  content?: Readonly<Record<string, { schema: JsonSchema; example?: unknown }>>;
};
/** An operation object (the API has GET operations only). */
export type OpenApiOperation = {
  operationId: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  parameters?: readonly OpenApiParameter[];
  responses: Readonly<Record<string, OpenApiResponse>>;
};
/** The document. */
export type OpenApiDocument = {
  openapi: '3.1.0';
  info: { title: string; version: string; summary: string; description: string; license: { name: string; identifier: string } };
  servers: readonly { url: string; description: string }[];
  tags: readonly { name: string; description: string }[];
  paths: Readonly<Record<string, { get: OpenApiOperation }>>;
  components: { schemas: Readonly<Record<string, JsonSchema>> };
};

const DAY = 86_400_000;
const days = (ms: number) => `${Math.round(ms / DAY)} days`;
const hours = (ms: number) => `${Math.round(ms / 3_600_000)} hours`;
const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema, example?: unknown) => ({ 'application/json': { schema, ...(example === undefined ? {} : { example }) } });

const ID_PATTERN = '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$';
const TIME_DESCRIPTION = 'ISO 8601 with a zone (`2026-11-23T01:02:03Z`, `…+09:00`) or epoch milliseconds; times without a zone are refused.';

const ERRORS = {
  '400': { description: 'A parameter is invalid; the message names it and says why.', content: json(ref('Error'), { error: { code: 'bad_request', message: 'from: must be an ISO 8601 time with a zone …' } }) },
  '404': { description: 'Unknown facility or room.', content: json(ref('Error')) },
  '429': { description: 'Too many requests from this address.', content: json(ref('Error')) },
  '503': { description: 'The data store does not answer.', content: json(ref('Error')) },
} as const;

const SCHEMAS: Record<string, JsonSchema> = {
  Error: {
    type: 'object', required: ['error'],
    properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string', enum: ['bad_request', 'not_found', 'store_unavailable', 'too_busy', 'rate_limited', 'internal'] }, message: { type: 'string' } } } },
  },
  LocalizedName: { type: 'object', description: 'Names by language code; `ja` and `en` always, others (e.g. `ja-easy`) optional.', required: ['ja', 'en'], additionalProperties: { type: 'string' } },
  Level: { type: 'string', enum: LEVELS, description: 'Ventilation level from the room\'s thresholds; `nodata` when there is no current reading.' },
  RoomStatus: {
    type: 'object',
    required: ['facility', 'room', 'name', 'facilityName', 'kind', 'co2', 'temperature', 'humidity', 'level', 'updatedAt', 'stale'],
    properties: {
      facility: { type: 'string', pattern: ID_PATTERN }, room: { type: 'string', pattern: ID_PATTERN },
      name: ref('LocalizedName'), facilityName: ref('LocalizedName'), kind: { type: 'string', enum: FACILITY_KINDS },
      co2: { type: ['integer', 'null'], description: 'ppm; null when not current' },
      temperature: { type: ['number', 'null'], description: '°C, one decimal' },
      humidity: { type: ['number', 'null'], description: '%RH, one decimal' },
      level: ref('Level'),
      updatedAt: { type: ['string', 'null'], format: 'date-time', description: 'Time of the newest reading (also when it is too old to show); null if none in the last 7 days.' },
      stale: { type: 'boolean', description: 'True when no reading is newer than the stale limit.' },
    },
  },
  Facility: {
    type: 'object', required: ['id', 'name', 'kind', 'area', 'shelter', 'roomCount'],
    properties: { id: { type: 'string', pattern: ID_PATTERN }, name: ref('LocalizedName'), kind: { type: 'string', enum: FACILITY_KINDS }, area: { type: ['string', 'null'] }, shelter: { type: 'boolean', description: 'A designated evacuation shelter (地域防災拠点).' }, roomCount: { type: 'integer' } },
  },
  Point: {
    type: 'object', required: ['time', 'co2', 'temperature', 'humidity'],
    properties: { time: { type: 'string', format: 'date-time' }, co2: { type: ['integer', 'null'] }, temperature: { type: ['number', 'null'] }, humidity: { type: ['number', 'null'] } },
  },
  Readings: {
    type: 'object', required: ['facility', 'room', 'from', 'to', 'resolution', 'readings'],
    properties: { facility: { type: 'string' }, room: { type: 'string' }, from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' }, resolution: { type: 'string', enum: ['raw', '1m', '1h'] }, readings: { type: 'array', items: ref('Point') } },
  },
  Export: {
    type: 'object', required: ['licence', 'source', 'facility', 'resolution', 'from', 'to', 'units', 'readings'],
    properties: {
      licence: { type: 'object', required: ['id', 'name', 'url', 'attribution'], properties: { id: { const: DATA_LICENCE.id }, name: { type: 'string' }, url: { type: 'string', format: 'uri' }, attribution: { type: 'string' } } },
      source: { type: 'string' }, facility: { type: 'string' }, room: { type: 'string', description: 'Only in a room export.' },
      resolution: { type: 'string', enum: ['raw', '1m', '1h'] }, from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' },
      units: { type: 'object', additionalProperties: { type: 'string' } },
      readings: { type: 'array', items: { type: 'object', description: 'A Point; in a facility export also `room`.', required: ['time', 'co2', 'temperature', 'humidity'], properties: { room: { type: 'string' }, time: { type: 'string', format: 'date-time' }, co2: { type: ['integer', 'null'] }, temperature: { type: ['number', 'null'] }, humidity: { type: ['number', 'null'] } } } },
    },
  },
};

/** Builds the document; `example` names a real room of the registry, so every example URL answers. */
export function buildOpenApiDocument(example: { facility: string; room: string }): OpenApiDocument {
  const facilityParam = (where: string): OpenApiParameter => ({ name: 'facility', in: 'path', required: true, description: `Facility id (${where}).`, schema: { type: 'string', pattern: ID_PATTERN }, example: example.facility });
  const roomParam: OpenApiParameter = { name: 'room', in: 'path', required: true, description: 'Room id within the facility.', schema: { type: 'string', pattern: ID_PATTERN }, example: example.room };
  const formatParam: OpenApiParameter = { name: 'format', in: 'path', required: true, description: 'File format.', schema: { type: 'string', enum: EXPORT_FORMATS }, example: 'csv' };
  const exportQuery: OpenApiParameter[] = [
    { name: 'from', in: 'query', required: false, description: `Start, inclusive. ${TIME_DESCRIPTION} Default: ${days(DEFAULT_EXPORT_RANGE_MS)} before \`to\`.`, schema: { type: 'string' } },
    { name: 'to', in: 'query', required: false, description: `End, exclusive. ${TIME_DESCRIPTION} Default: now, cut to the minute (to the hour at 1h).`, schema: { type: 'string' } },
    {
      name: 'resolution', in: 'query', required: false,
      description: `raw (every stored reading; rooms with several sensors have several rows per time; at most ${days(EXPORT_MAX_RANGE_MS.raw)}), 1m (per-minute means, at most ${days(EXPORT_MAX_RANGE_MS['1m'])}), 1h (hourly means, at most ${days(EXPORT_MAX_RANGE_MS['1h'])}) or auto (as the readings endpoint picks).`,
      schema: { type: 'string', enum: RESOLUTIONS, default: DEFAULT_EXPORT_RESOLUTION },
    },
  ];
  const exportResponses = (what: string): Readonly<Record<string, OpenApiResponse>> => ({
    '200': {
      description: `${what} as a download. CSV: RFC 4180, UTF-8, header row \`${CSV_COLUMNS.join(',')}\`, ISO 8601 UTC times, empty fields for missing values. Ranges that ended over an hour ago are cacheable for a day.`,
      headers: {
        Link: { description: `\`<${DATA_LICENCE.url}>; rel="license"\``, schema: { type: 'string' } },
        ETag: { description: 'Strong validator of the exact bytes; send it back in If-None-Match for a 304.', schema: { type: 'string' } },
        'Content-Disposition': { description: 'attachment; filename="kanki_<facility>[_<room>]_<from>_<to>_<resolution>.<format>"', schema: { type: 'string' } },
      },
      content: { 'text/csv': { schema: { type: 'string' } }, ...json(ref('Export')) },
    },
    '304': { description: 'Not modified (If-None-Match matched the ETag).' },
    ...ERRORS,
  });

  return {
    openapi: '3.1.0',
    info: {
      title: 'Kanki public API',
      version: '1',
      summary: 'Indoor CO₂, temperature and humidity in public facilities of Nishi Ward, Yokohama.',
      description: `Open data under ${DATA_LICENCE.name}; attribution: ${DATA_LICENCE.attribution}. No credentials; CORS open (\`Access-Control-Allow-Origin: *\`). Times in JSON are ISO 8601 UTC. Device and sensor ids are never published. Errors share one shape (\`Error\`).`,
      license: { name: DATA_LICENCE.name, identifier: DATA_LICENCE.id },
    },
    servers: [{ url: '/', description: 'This server' }],
    tags: [{ name: 'rooms', description: 'Current state and history' }, { name: 'open-data', description: 'Downloads' }, { name: 'meta', description: 'Health and this document' }],
    paths: {
      '/api/v1/facilities': { get: { operationId: 'listFacilities', summary: 'Facilities of the registry', tags: ['rooms'], responses: { '200': { description: 'Every facility.', content: json({ type: 'object', required: ['facilities'], properties: { facilities: { type: 'array', items: ref('Facility') } } }) }, '429': ERRORS['429'] } } },
      '/api/v1/rooms': {
        get: {
          operationId: 'listRooms', summary: 'Every room with its current level', tags: ['rooms'],
          parameters: [{ name: 'facility', in: 'query', required: false, description: 'Only this facility\'s rooms.', schema: { type: 'string', pattern: ID_PATTERN }, example: example.facility }],
          responses: { '200': { description: 'Every registry room, silent ones as `nodata`.', content: json({ type: 'object', required: ['rooms'], properties: { rooms: { type: 'array', items: ref('RoomStatus') } } }) }, ...ERRORS },
        },
      },
      '/api/v1/rooms/{facility}/{room}/readings': {
        get: {
          operationId: 'roomReadings', summary: 'One room\'s history for charts', tags: ['rooms'],
          parameters: [
            facilityParam('see /api/v1/facilities'), roomParam,
            { name: 'from', in: 'query', required: false, description: `Start, inclusive. ${TIME_DESCRIPTION} Default: ${hours(DEFAULT_RANGE_MS)} before \`to\`.`, schema: { type: 'string' } },
            { name: 'to', in: 'query', required: false, description: `End, exclusive; after \`from\`, at most ${days(MAX_RANGE_MS)} later. Default: now.`, schema: { type: 'string' } },
            {
              name: 'resolution', in: 'query', required: false,
              description: `auto: raw up to 6 hours, per-minute up to 2 days, hourly beyond, never one whose retention no longer covers \`from\`. Forced: raw (at most ${days(MAX_RANGE_BY_RESOLUTION.raw)}), 1m (at most ${days(MAX_RANGE_BY_RESOLUTION['1m'])}), 1h.`,
              schema: { type: 'string', enum: RESOLUTIONS, default: 'auto' },
            },
          ],
          responses: { '200': { description: 'Points oldest first; `resolution` says which was used.', content: json(ref('Readings')) }, ...ERRORS },
        },
      },
      '/api/v1/stream': {
        get: {
          operationId: 'roomStream', summary: 'Live room statuses (Server-Sent Events)', tags: ['rooms'],
          description: 'One `snapshot` event on connect (`{"live": boolean, "rooms": RoomStatus[]}`), then a `room` event (one RoomStatus) per change, and a comment every 25 s. `retry: 5000`. The number of connections is bounded (503 `too_busy` with Retry-After).',
          parameters: [{ name: 'facility', in: 'query', required: false, description: 'Only this facility\'s rooms.', schema: { type: 'string', pattern: ID_PATTERN }, example: example.facility }],
          responses: { '200': { description: 'An endless event stream.', content: { 'text/event-stream': { schema: { type: 'string' }, example: 'event: room\ndata: {"facility":"…","room":"…","co2":812,"level":"fair",…}\n\n' } } }, '400': ERRORS['400'], '503': { description: 'Too many live connections.', content: json(ref('Error')) } },
        },
      },
      '/api/v1/export/rooms/{facility}/{room}.{format}': {
        get: { operationId: 'exportRoom', summary: 'Download one room\'s history (CSV or JSON)', tags: ['open-data'], parameters: [facilityParam('see /api/v1/facilities'), roomParam, formatParam, ...exportQuery], responses: exportResponses('The room\'s readings') },
      },
      '/api/v1/export/facilities/{facility}.{format}': {
        get: { operationId: 'exportFacility', summary: 'Download the history of all rooms of a facility (CSV or JSON)', tags: ['open-data'], parameters: [facilityParam('see /api/v1/facilities'), formatParam, ...exportQuery], responses: exportResponses('Every room\'s readings, room by room') },
      },
      '/api/v1/openapi.json': { get: { operationId: 'openapi', summary: 'This document', tags: ['meta'], responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } } } },
      '/healthz': {
        get: {
          operationId: 'health', summary: 'Health check for load balancers', tags: ['meta'],
          responses: {
            '200': { description: 'The store answers.', content: json({ type: 'object', properties: { status: { const: 'ok' }, store: { const: 'ok' } } }) },
            '503': { description: 'The store does not answer within 2 s.', content: json({ type: 'object', properties: { status: { const: 'error' }, store: { const: 'unreachable' } } }) },
          },
        },
      },
    },
    components: { schemas: SCHEMAS },
  };
}
