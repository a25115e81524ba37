import { z } from 'zod';
import type { ProblemBody } from '../http/problem.ts';
import type { Profile } from '../profile/lookup.ts';
import type { LoginResult, Registered } from '../sessions/handlers.ts';
import type { Session } from '../sessions/store.ts';
import type { WorkResult } from '../work/handler.ts';

// The bodies the handlers send, as zod schemas for the contract. Each `satisfies` ties a schema
// to the type its handler answers with, so that a field the handler gains or loses fails the
// type check until the contract follows.

const timestamp = z.iso.datetime();

export const registeredSchema = z
  .object({ username: z.string().meta({ description: 'The name the account was created with.' }) })
  .meta({ description: 'The account just created.' }) satisfies z.ZodType<Registered>;

export const loginResultSchema = z
  .object({
    token: z.string().meta({ description: 'The session token: send it as `Authorization: Bearer <token>`.' }),
    expiresAt: timestamp.meta({ description: 'When the session ends unless it is used before then.' }),
  })
  .meta({ description: 'A new session; the same token is also set as the `xwing_session` cookie.' }) satisfies z.ZodType<LoginResult>;

export const sessionSchema = z
  .object({
    username: z.string(),
    createdAt: timestamp.meta({ description: 'When the session was created (the login).' }),
    expiresAt: timestamp.meta({ description: 'When the session ends; every authenticated request moves it a full session lifetime ahead.' }),
  })
  .meta({ description: 'The session the request was made with.' }) satisfies z.ZodType<Session>;

export const profileSchema = z
  .object({
    username: z.string(),
    displayName: z.string(),
    avatarColor: z.string().regex(/^#[0-9a-f]{6}$/),
    tier: z.enum(['bronze', 'silver', 'gold']),
    generatedAt: timestamp.meta({ description: 'When the expensive lookup produced this profile (a cached answer keeps it).' }),
  })
  .meta({ description: "The caller's profile, from an expensive lookup cached in Redis." }) satisfies z.ZodType<Profile>;

export const workResultSchema = z
  .object({
    requestedMs: z.int().min(1),
    elapsedMs: z.int().min(0),
    rounds: z.int().min(0).meta({ description: 'SHA-256 rounds computed.' }),
    slices: z.int().min(0).meta({ description: 'Turns of the event loop the work was spread over.' }),
  })
  .meta({ description: 'What the CPU work took.' }) satisfies z.ZodType<WorkResult>;

export const problemSchema = z
  .looseObject({
    type: z.url().meta({ description: 'One of a fixed set, `https://xwing.dev/problems/<kind>`: switch on this.' }),
    title: z.string(),
    status: z.int().min(400).max(599),
    detail: z.string().optional(),
    instance: z.string().optional().meta({ description: 'The path the request was made to.' }),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'With an invalid body: what is wrong with which field.' }),
  })
  .meta({ description: 'RFC 9457 problem details; never a stack trace.' }) satisfies z.ZodType<ProblemBody>;

const probeFacts = z.record(z.string(), z.union([z.string(), z.number()]));

export const probeSchema = z
  .object({
    status: z.enum(['ok', 'error']),
    info: probeFacts.optional(),
    error: probeFacts.optional(),
    details: probeFacts.optional(),
  })
  .meta({ description: 'A probe answer: what was checked, or why it failed.' });
