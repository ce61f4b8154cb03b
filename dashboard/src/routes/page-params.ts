/**
 * Parameters of the public HTML pages added for facilities, rooms, the widget and open data. Page
 * queries are not strict, unlike the API's: links to pages get shared in newsletters and social
 * media, which append tracking parameters (`fbclid`, `utm_*`) that must not turn a page into an error.
 */
import { z } from 'zod';
import { HistoryRangeSchema } from '../history/ranges.ts';
import { IdParamSchema } from './params.ts';

/** Path of `/facilities/:facility` and `/embed/facilities/:facility`. */
export const FacilityPagePathSchema = z.object({ facility: IdParamSchema });
/** Path of `/rooms/:facility/:room`. */
export const RoomPagePathSchema = z.object({ facility: IdParamSchema, room: IdParamSchema });
/** Query of `/rooms/:facility/:room`: which history range to show. */
export const RoomPageQuerySchema = z.object({ range: HistoryRangeSchema.optional() });
