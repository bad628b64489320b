// The tasks extension's methods and the shape of their params (checked by the SDK before the pipeline runs).
import { z } from 'zod';

const taskId = z.string({ error: 'taskId must be a string' });

export const TASK_PARAMS = new Map<string, z.ZodType>([
  ['tasks/get', z.looseObject({ taskId })],
  ['tasks/update', z.looseObject({ taskId, inputResponses: z.record(z.string(), z.unknown(), { error: 'inputResponses must be an object' }).optional() })],
  ['tasks/cancel', z.looseObject({ taskId })],
]);
