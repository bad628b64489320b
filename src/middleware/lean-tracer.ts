// mcplex's own spans (a request, its upstream call, a stage's store call) as small objects handed to the OpenTelemetry
// SDK's span processors and exporters. The SDK's own spans cost the gateway ≈ 11–13 µs of CPU a request more (three
// paired bench runs, bench/README.md "Leaner spans"): a span is six arrays and objects at start (hrtime
// pairs, attributes, links, events, status), its sampling result, the SDK's self-metrics' attribute objects and
// closure, and a copy of the attributes. This one keeps one number per time, creates links and events only when
// used, and computes the hrtime pairs when an exporter reads them. What a processor or exporter reads is a
// `ReadableSpan` like the SDK's (test/middleware/lean-tracer.test.ts compares the two field by field).
import { type Attributes, type AttributeValue, type Context, context, diag, ROOT_CONTEXT, type Exception, type HrTime, type Link, type Span, type SpanContext, type SpanKind, SpanStatusCode, type SpanOptions, type SpanStatus, type TimeInput, type Tracer, TraceFlags, trace } from '@opentelemetry/api';
import { type InstrumentationScope, isAttributeValue, isTimeInputHrTime, millisToHrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { IdGenerator, ReadableSpan, Sampler, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace-base';

export interface LeanTracerOptions {
  /** Where ended spans go: the SDK's processor (a BatchSpanProcessor with the OTLP exporter in production). */
  processor: SpanProcessor;
  resource: Resource;
  /** Decides which spans are recorded and sampled (the SDK's samplers; `samplerFromEnv` builds the one OTEL_* names). */
  sampler: Sampler;
  /** Trace and span ids (the SDK's RandomIdGenerator). */
  ids: IdGenerator;
  scope?: InstrumentationScope;
  /** Most attributes a span keeps (OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT); default 128, as the SDK's. */
  attributeCountLimit?: number;
  /** Longest string attribute value kept, longer ones cut (OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT); default none. */
  attributeValueLengthLimit?: number;
  /** Most events and links a span keeps, the oldest dropped first (OTEL_SPAN_EVENT/LINK_COUNT_LIMIT); default 128. */
  eventCountLimit?: number;
  linkCountLimit?: number;
  /** Most attributes an event or a link keeps (OTEL_EVENT/LINK_ATTRIBUTE_COUNT_LIMIT); default 128. */
  attributePerEventCountLimit?: number;
  attributePerLinkCountLimit?: number;
}

/** SamplingDecision values (the SDK's enum, not imported so this file loads none of the SDK's code). */
const NOT_RECORD = 0;
const RECORD_AND_SAMPLED = 2;
const NO_LINKS: Link[] = [];
const NO_EVENTS: TimedEvent[] = [];
/** What the sampler is shown for a span started without attributes (the SDK's samplers only read it). */
const NO_ATTRIBUTES: Attributes = Object.freeze({});
const UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });


function truncated(value: AttributeValue, limit: number): AttributeValue {
  if (typeof value === 'string') return value.length > limit ? value.slice(0, limit) : value;
  return Array.isArray(value) ? (value.map((v) => (typeof v === 'string' && v.length > limit ? v.slice(0, limit) : v)) as AttributeValue) : value;
}

/** Makes room for one more of `what` under `limit` as the SDK does (the oldest goes); the dropped count after it. */
function makeRoom(items: unknown[], limit: number, dropped: number, what: string): number {
  if (items.length < limit) return dropped;
  if (dropped === 0) diag.debug(`Dropping extra ${what}.`);
  items.shift();
  return dropped + 1;
}

class LeanSpan implements Span, ReadableSpan {
  attributes: Attributes = {};
  status: SpanStatus = UNSET;
  droppedAttributesCount = 0;
  #count = 0;
  #links: Link[] | undefined;
  #events: TimedEvent[] | undefined;
  #droppedEvents = 0;
  #droppedLinks = 0;
  /**
   * Times as the SDK keeps them: the start on the wall clock (Date.now(), unless given), later times as the start plus
   * what the performance clock measured since (which keeps durations exact), performance-clock times moved by how far
   * that clock was from the wall clock at the start. (timeOrigin + performance.now() alone drifts from the wall clock
   * in a long-lived process: 8 ms after ten minutes was seen, seconds after days.)
   */
  readonly #startMs: number;
  readonly #perfStart: number;
  readonly #offset: number;
  readonly #startGiven: boolean;
  #endMs = -1;

  constructor(
    readonly tracer: LeanTracer,
    public name: string,
    readonly kind: SpanKind,
    readonly ctx: SpanContext,
    readonly parentSpanContext: SpanContext | undefined,
    startTime: TimeInput | undefined,
  ) {
    const now = Date.now();
    this.#perfStart = performance.now();
    this.#offset = now - (this.#perfStart + performance.timeOrigin);
    this.#startGiven = startTime != null;
    this.#startMs = this.#startGiven ? this.#msOf(startTime) : now;
  }

  /**
   * A time a caller passed, in epoch ms; now when absent. A number is read as the SDK reads it: up to performance.now()
   * it is a performance-clock time, above it ms since the epoch.
   */
  #msOf(time: TimeInput | undefined): number {
    if (typeof time === 'number') return time <= performance.now() ? time + performance.timeOrigin + this.#offset : time;
    if (time instanceof Date) return time.getTime();
    if (time !== undefined && isTimeInputHrTime(time)) return time[0] * 1e3 + time[1] / 1e6;
    // With a start given there is no measured start to add to (the SDK's rule).
    return this.#startGiven ? Date.now() : this.#startMs + (performance.now() - this.#perfStart);
  }

  spanContext(): SpanContext {
    return this.ctx;
  }
  get resource(): Resource {
    return this.tracer.resource;
  }
  get instrumentationScope(): InstrumentationScope {
    return this.tracer.scope;
  }
  get startTime(): HrTime {
    return millisToHrTime(this.#startMs);
  }
  get endTime(): HrTime {
    return this.#endMs < 0 ? [0, 0] : millisToHrTime(this.#endMs);
  }
  get duration(): HrTime {
    return this.#endMs < 0 ? [-1, -1] : millisToHrTime(this.#endMs - this.#startMs);
  }
  get ended(): boolean {
    return this.#endMs >= 0;
  }
  get links(): Link[] {
    return this.#links ?? NO_LINKS;
  }
  get events(): TimedEvent[] {
    return this.#events ?? NO_EVENTS;
  }
  get droppedEventsCount(): number {
    return this.#droppedEvents;
  }
  get droppedLinksCount(): number {
    return this.#droppedLinks;
  }

  isRecording(): boolean {
    return this.#endMs < 0;
  }
  #open(): boolean {
    if (this.#endMs >= 0) diag.warn(`Operation attempted on ended Span {traceId: ${this.ctx.traceId}, spanId: ${this.ctx.spanId}}`);
    return this.#endMs < 0;
  }

  setAttribute(key: string, value: AttributeValue | undefined): this {
    if (value == null || !this.#open()) return this;
    if (key.length === 0 || !isAttributeValue(value)) {
      diag.warn(`Invalid attribute ${key.length === 0 ? 'key' : 'value'} for key: ${key}`);
      return this;
    }
    if (!Object.hasOwn(this.attributes, key)) {
      if (this.#count >= this.tracer.attributeCountLimit) {
        this.droppedAttributesCount++;
        return this;
      }
      this.#count++;
    }
    const limit = this.tracer.attributeValueLengthLimit;
    this.attributes[key] = limit === Infinity ? value : truncated(value, limit);
    return this;
  }
  setAttributes(attributes: Attributes): this {
    for (const key in attributes) if (Object.hasOwn(attributes, key)) this.setAttribute(key, attributes[key]);
    return this;
  }
  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (!this.#open()) return this;
    // As the SDK: none allowed counts it dropped; at the limit the oldest goes.
    const limit = this.tracer.eventCountLimit;
    if (limit === 0) {
      diag.warn('No events allowed.');
      this.#droppedEvents++;
      return this;
    }
    this.#events ??= [];
    this.#droppedEvents = makeRoom(this.#events, limit, this.#droppedEvents, 'events');
    const timeOnly = attributesOrTime instanceof Date || typeof attributesOrTime === 'number' || isTimeInputHrTime(attributesOrTime);
    const [attributes, droppedAttributesCount] = this.#kept(timeOnly ? undefined : (attributesOrTime as Attributes | undefined), this.tracer.attributePerEventCountLimit);
    const at = this.#msOf(timeOnly ? (attributesOrTime as TimeInput) : time);
    this.#events.push({ name, attributes, time: millisToHrTime(at), droppedAttributesCount });
    return this;
  }
  addLink(link: Link): this {
    if (!this.#open()) return this;
    const limit = this.tracer.linkCountLimit;
    if (limit === 0) {
      this.#droppedLinks++;
      return this;
    }
    this.#links ??= [];
    this.#droppedLinks = makeRoom(this.#links, limit, this.#droppedLinks, 'links');
    const [attributes, droppedAttributesCount] = this.#kept(link.attributes, this.tracer.attributePerLinkCountLimit);
    const kept: Link = { context: link.context };
    if (Object.keys(attributes).length > 0) kept.attributes = attributes;
    if (droppedAttributesCount > 0) kept.droppedAttributesCount = droppedAttributesCount;
    this.#links.push(kept);
    return this;
  }
  /** An event's or a link's attributes as the SDK keeps them: valid values, at most `limit`, long strings cut. */
  #kept(given: Attributes | undefined, limit: number): [Attributes, number] {
    const out: Attributes = {};
    let count = 0;
    let dropped = 0;
    const length = this.tracer.attributeValueLengthLimit;
    for (const key in given) {
      const value = given[key];
      if (!Object.hasOwn(given, key) || value == null || !isAttributeValue(value)) continue;
      if (count >= limit) {
        dropped++;
        continue;
      }
      out[key] = length === Infinity ? value : truncated(value, length);
      count++;
    }
    return [out, dropped];
  }
  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }
  setStatus(status: SpanStatus): this {
    // As the SDK: UNSET changes nothing, OK is final, only ERROR carries a message.
    if (!this.#open() || status.code === SpanStatusCode.UNSET || this.status.code === SpanStatusCode.OK) return this;
    this.status = status.code === SpanStatusCode.ERROR && typeof status.message === 'string' ? { code: status.code, message: status.message } : { code: status.code };
    return this;
  }
  updateName(name: string): this {
    if (this.#open()) this.name = name;
    return this;
  }
  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') attributes['exception.message'] = exception;
    else if (exception) {
      const type = exception.code ?? exception.name;
      if (type) attributes['exception.type'] = String(type);
      if (exception.message) attributes['exception.message'] = exception.message;
      if (exception.stack) attributes['exception.stacktrace'] = exception.stack;
    }
    if (attributes['exception.type'] || attributes['exception.message']) this.addEvent('exception', attributes, time);
    else diag.warn(`Failed to record an exception ${String(exception)}`);
  }
  end(endTime?: TimeInput): void {
    if (this.#endMs >= 0) {
      diag.error(`${this.name} ${this.ctx.traceId}-${this.ctx.spanId} - You can only call end() on a span once.`);
      return;
    }
    this.#endMs = Math.max(this.#startMs, this.#msOf(endTime));
    if (this.#droppedEvents > 0) diag.warn(`Dropped ${this.#droppedEvents} events because eventCountLimit reached`);
    if (this.#droppedLinks > 0) diag.warn(`Dropped ${this.#droppedLinks} links because linkCountLimit reached`);
    this.tracer.processor.onEnd(this);
  }
}

export class LeanTracer implements Tracer {
  readonly processor: SpanProcessor;
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  readonly attributeCountLimit: number;
  readonly attributeValueLengthLimit: number;
  readonly eventCountLimit: number;
  readonly linkCountLimit: number;
  readonly attributePerEventCountLimit: number;
  readonly attributePerLinkCountLimit: number;
  readonly #sampler: Sampler;
  readonly #ids: IdGenerator;

  constructor(opts: LeanTracerOptions) {
    this.processor = opts.processor;
    this.resource = opts.resource;
    this.scope = opts.scope ?? { name: 'mcplex' };
    this.attributeCountLimit = opts.attributeCountLimit ?? 128;
    this.attributeValueLengthLimit = opts.attributeValueLengthLimit ?? Infinity;
    this.eventCountLimit = opts.eventCountLimit ?? 128;
    this.linkCountLimit = opts.linkCountLimit ?? 128;
    this.attributePerEventCountLimit = opts.attributePerEventCountLimit ?? 128;
    this.attributePerLinkCountLimit = opts.attributePerLinkCountLimit ?? 128;
    this.#sampler = opts.sampler;
    this.#ids = opts.ids;
  }

  startSpan(name: string, options: SpanOptions = {}, context?: Context): Span {
    const parentContext = context && !options.root ? trace.getSpanContext(context) : undefined;
    const parent = parentContext && trace.isSpanContextValid(parentContext) ? parentContext : undefined;
    const traceId = parent?.traceId ?? this.#ids.generateTraceId();
    const spanId = this.#ids.generateSpanId();
    const kind = options.kind ?? 0;
    const links = options.links ?? NO_LINKS;
    const base = context ?? ROOT_CONTEXT;
    const sampling = this.#sampler.shouldSample(options.root ? trace.deleteSpan(base) : base, traceId, name, kind, options.attributes ?? NO_ATTRIBUTES, links);
    const traceState = sampling.traceState ?? parent?.traceState;
    const spanContext: SpanContext = { traceId, spanId, traceFlags: sampling.decision === RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE };
    if (traceState) spanContext.traceState = traceState;
    if (sampling.decision === NOT_RECORD) return trace.wrapSpanContext(spanContext);
    const span = new LeanSpan(this, name, kind, spanContext, parent, options.startTime);
    if (options.attributes) span.setAttributes(options.attributes);
    if (sampling.attributes) span.setAttributes(sampling.attributes);
    if (links.length > 0) span.addLinks(links);
    // The SDK's processors type onStart's span as its own class; they read it as a ReadableSpan.
    this.processor.onStart(span as never, base);
    return span;
  }

  // The API's overloads: (name, fn), (name, options, fn), (name, options, context, fn).
  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: [F] | [SpanOptions, F] | [SpanOptions, Context, F]): ReturnType<F> {
    const fn = rest[rest.length - 1] as F;
    const options = rest.length > 1 ? (rest[0] as SpanOptions) : undefined;
    const parent = rest.length > 2 ? (rest[1] as Context) : context.active();
    const span = this.startSpan(name, options, parent);
    return context.with(trace.setSpan(parent, span), fn as (span: Span) => ReturnType<F>, undefined, span);
  }
}
