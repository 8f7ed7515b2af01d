import { z } from 'zod';
import { DEFAULT_UNITS_PER_ADMISSION } from './waiting-room.js';

/** Inputs of the presale door; the API validates with these and publishes them in OpenAPI. */
export const JoinInput = z.object({
  deviceId: z
    .string()
    .min(8)
    .max(128)
    .describe('a random id this device keeps; one place in line per device'),
});

export const WaitingRoomInput = z.object({
  opensAt: z.iso.datetime({ offset: true }),
  closesAt: z.iso
    .datetime({ offset: true })
    .nullable()
    .default(null)
    .describe('from then on nobody joins, is admitted or holds'),
  ratePerSecond: z.number().min(0.1).max(100_000).describe('buyers admitted per second'),
  burst: z.number().int().min(0).max(1_000_000).default(0).describe('admitted at once when it opens'),
  unitsPerAdmission: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(DEFAULT_UNITS_PER_ADMISSION)
    .describe('ticket units one place in line may hold over all its admissions'),
});
