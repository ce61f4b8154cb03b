/** `GET /api/v1/facilities`: the facilities of the registry, without rooms' devices. */
import { Router } from 'express';
import type { DashboardContext } from '../context.ts';
import { PUBLIC_CACHE_CONTROL } from '../context.ts';

/** One facility as the public API returns it. */
export type PublicFacility = {
  id: string;
  name: Record<string, string>;
  kind: string;
  area: string | null;
  /** A designated evacuation shelter (地域防災拠点). */
  shelter: boolean;
  roomCount: number;
};

/** Router for the facility list. */
export function createFacilitiesRouter(ctx: DashboardContext): Router {
  const router = Router();
  // Built field by field, never by spreading the registry entry, so that sensors and any field
  // added to the registry later stay private until someone decides to publish them.
  const facilities: PublicFacility[] = ctx.registry.facilities.map((f) => ({
    id: f.id,
    name: { ...f.name },
    kind: f.kind,
    area: f.area ?? null,
    shelter: f.shelter,
    roomCount: f.rooms.length,
  }));
  router.get('/api/v1/facilities', (_req, res) => {
    res.set('Cache-Control', PUBLIC_CACHE_CONTROL).json({ facilities });
  });
  return router;
}
