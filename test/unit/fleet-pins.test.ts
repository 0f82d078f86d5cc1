import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig, applyPatch } from '../../contract/config-schema.js';
import { PINNABLE_KEYS } from '../../contract/config-sources.js';
import { redactNotifications, webhookUrlProblem } from '../../contract/notifications.js';
import { checkSetting, configView, effectiveConfig, pinnedMessage, pinsChange, settingFromText } from '../../agent/fleet-pins.js';

const tags = (o: Record<string, string>) => new Map(Object.entries(o));

describe('effectiveConfig: settings pinned by instance tags', () => {
  it('a Config tag wins over the file, typed like `config set`, and is named as the source', () => {
    const file = parseConfig({ naptime_minutes: 60, cpu_threshold_percent: 20 });
    const e = effectiveConfig(file, tags({ 'CloudSnooze:Config:naptime_minutes': '45', 'CloudSnooze:Config:gpu_monitoring_enabled': 'false', Name: 'ml-box', 'Other:Config:naptime_minutes': '1' }));
    expect(e.config.naptime_minutes).toBe(45);
    expect(e.config.gpu_monitoring_enabled).toBe(false);
    expect(e.config.cpu_threshold_percent).toBe(20);
    expect(e.problems).toEqual([]);
    expect(e.disabled).toBeNull();
    expect(e.pins.naptime_minutes).toEqual({ tag: 'CloudSnooze:Config:naptime_minutes', text: '45' });
    const view = configView(e, new Set(['naptime_minutes', 'cpu_threshold_percent']));
    expect(view.sources).toEqual({ naptime_minutes: 'tag', gpu_monitoring_enabled: 'tag', cpu_threshold_percent: 'file' });
    expect(view.naptime_minutes).toBe(45);
  });

  it('follows the file prefix', () => {
    const file = parseConfig({ tagging_prefix: 'Acme' });
    expect(effectiveConfig(file, tags({ 'Acme:Config:naptime_minutes': '15', 'CloudSnooze:Config:naptime_minutes': '17' })).config.naptime_minutes).toBe(15);
  });

  it('a pin that breaks a rule across keys is reported alone; the others apply', () => {
    // The warning must be shorter than the naptime: 5 minutes of naptime cannot hold with the file's 5-minute warning...
    const e = effectiveConfig(DEFAULT_CONFIG, tags({ 'CloudSnooze:Config:naptime_minutes': '5', 'CloudSnooze:Config:cpu_threshold_percent': '20' }));
    expect(e.config.naptime_minutes).toBe(30);
    expect(e.config.cpu_threshold_percent).toBe(20);
    expect(e.problems).toEqual([{ tag: 'CloudSnooze:Config:naptime_minutes', value: '5', error: expect.stringMatching(/Warning time \(5 minutes\) must be shorter than the naptime/) }]);
    // ...but can with a warning pinned beside it.
    const both = effectiveConfig(DEFAULT_CONFIG, tags({ 'CloudSnooze:Config:naptime_minutes': '5', 'CloudSnooze:Config:warning_minutes': '1' }));
    expect(both.problems).toEqual([]);
    expect([both.config.naptime_minutes, both.config.warning_minutes]).toEqual([5, 1]);
  });

  it('a bad value is ignored and reported; the good ones still apply; the file stays as it was', () => {
    const file = parseConfig({ naptime_minutes: 60 });
    const e = effectiveConfig(
      file,
      tags({
        'CloudSnooze:Config:naptime_minutes': 'soon',
        'CloudSnooze:Config:cpu_threshold_percent': '150',
        'CloudSnooze:Config:warning_minutes': '2',
        'CloudSnooze:Config:no_such_key': '1',
        'CloudSnooze:Config:pre_stop_command': 'rm -rf /',
        'CloudSnooze:Config:notifications': '{"webhook_url":"http://evil.example/"}',
        'CloudSnooze:Config:tagging_prefix': 'Other',
      }),
    );
    expect(e.config.naptime_minutes).toBe(60);
    expect(e.config.cpu_threshold_percent).toBe(DEFAULT_CONFIG.cpu_threshold_percent);
    expect(e.config.warning_minutes).toBe(2);
    expect(e.config.pre_stop_command).toBe('');
    expect(e.config.notifications.webhook_url).toBe('');
    expect(e.config.tagging_prefix).toBe('CloudSnooze');
    const byTag = Object.fromEntries(e.problems.map((p) => [p.tag, p.error]));
    expect(byTag['CloudSnooze:Config:naptime_minutes']).toMatch(/Naptime must be a number of minutes \(you entered "soon"\)/);
    expect(byTag['CloudSnooze:Config:cpu_threshold_percent']).toMatch(/CPU threshold must be at most 100 %/);
    expect(byTag['CloudSnooze:Config:no_such_key']).toMatch(/not a config key/);
    expect(byTag['CloudSnooze:Config:pre_stop_command']).toMatch(/only be set in the config file/);
    expect(byTag['CloudSnooze:Config:notifications']).toMatch(/only be set in the config file/);
    expect(byTag['CloudSnooze:Config:tagging_prefix']).toMatch(/cannot be pinned/);
    expect(Object.keys(e.pins)).toEqual(['warning_minutes']);
    expect(file.naptime_minutes).toBe(60);
  });

  it('Disabled=true gives a monitor-only reason naming the tag; false or absent does not; anything else is reported', () => {
    expect(effectiveConfig(DEFAULT_CONFIG, tags({ 'CloudSnooze:Disabled': 'true' })).disabled).toMatch(/CloudSnooze:Disabled = true/);
    expect(effectiveConfig(DEFAULT_CONFIG, tags({ 'CloudSnooze:Disabled': 'TRUE' })).disabled).not.toBeNull();
    expect(effectiveConfig(DEFAULT_CONFIG, tags({ 'CloudSnooze:Disabled': 'false' })).disabled).toBeNull();
    const e = effectiveConfig(DEFAULT_CONFIG, tags({ 'CloudSnooze:Disabled': 'yes please' }));
    expect(e.disabled).toBeNull();
    expect(e.problems[0]).toMatchObject({ tag: 'CloudSnooze:Disabled', error: /true or false/ });
  });

  it('no tags read: the file config as it is', () => {
    const e = effectiveConfig(DEFAULT_CONFIG, null);
    expect(e.config).toBe(DEFAULT_CONFIG);
    expect(configView(e, new Set()).sources).toEqual({});
  });

  it('JSON-valued keys (lists, schedules) pin from their JSON text', () => {
    const e = effectiveConfig(DEFAULT_CONFIG, tags({ 'CloudSnooze:Config:keep_awake_processes': '["rsync","cmd:train.py"]' }));
    expect(e.config.keep_awake_processes).toEqual(['rsync', 'cmd:train.py']);
    expect(settingFromText('aws_region', '123')).toBe('123');
    expect(settingFromText('naptime_minutes', '12')).toBe(12);
  });

  it('checkSetting is the validator the fleet CLI uses before writing a tag', () => {
    expect(checkSetting('naptime_minutes', '45')).toEqual({ value: 45, error: null });
    expect(checkSetting('naptime_minutes', '-1').error).toMatch(/Naptime must be at least 0.05 minutes/);
    expect(checkSetting('history_path', '/tmp/x').error).toMatch(/config file/);
    expect(PINNABLE_KEYS).toContain('fleet_refresh_minutes');
    expect(PINNABLE_KEYS).not.toContain('notifications');
  });

  it('the refusal names the tag and its value; changes in pins are one history line', () => {
    const e = effectiveConfig(DEFAULT_CONFIG, tags({ 'CloudSnooze:Config:naptime_minutes': '45' }));
    expect(pinnedMessage(['naptime_minutes'], e.pins)).toMatch(/naptime_minutes is pinned by the instance tag CloudSnooze:Config:naptime_minutes = "45".*nothing changed/);
    expect(pinsChange({}, e.pins, e.config)).toBe('Config from instance tags: Naptime set to 45 minutes (tag CloudSnooze:Config:naptime_minutes)');
    expect(pinsChange(e.pins, e.pins)).toBeNull();
    expect(pinsChange(e.pins, {})).toBe('Config from instance tags: Naptime no longer pinned (tag CloudSnooze:Config:naptime_minutes removed)');
  });
});

describe('notifications config', () => {
  it('webhook_url must be http(s); the ARN must be an SNS topic; the whole key is file-only and redacted', () => {
    expect(webhookUrlProblem('https://hooks.slack.com/services/T/B/X')).toBeNull();
    expect(webhookUrlProblem('http://127.0.0.1:8080/hook')).toBeNull();
    expect(webhookUrlProblem('file:///etc/shadow')).toMatch(/http:\/\/ or https:\/\/ URL \(got a file: URL\)/);
    expect(webhookUrlProblem('gopher://x')).toMatch(/gopher/);
    expect(webhookUrlProblem('hooks.slack.com/x')).toMatch(/not a URL/);
    expect(() => parseConfig({ notifications: { webhook_url: 'ftp://x/y' } })).toThrow(/Webhook URL must be an http:\/\/ or https:\/\/ URL \(got a ftp: URL\)/);
    expect(() => parseConfig({ notifications: { sns_topic_arn: 'topic' } })).toThrow(/SNS topic ARN must be empty or an SNS topic ARN/);
    expect(() => parseConfig({ notifications: { events: ['nap'] } })).toThrow(/Notified event 1 must be one of warning, stop/);
    expect(() => parseConfig({ notifications: { webhook: 'x' } })).toThrow(/notifications.webhook: There is no setting/);
    const n = parseConfig({ notifications: { webhook_url: 'https://user:pw@hooks.slack.com/services/T/B/SECRET', sns_topic_arn: 'arn:aws:sns:us-east-1:123456789012:ops' } }).notifications;
    expect(n.events).toEqual(['warning', 'stop', 'stop_failed']);
    const r = redactNotifications(n);
    expect(r.webhook_url).toBe('https://hooks.slack.com/(redacted)');
    expect(r.sns_topic_arn).toBe('arn:aws:sns:us-east-1:(redacted)');
    expect(JSON.stringify(r)).not.toMatch(/SECRET|pw|123456789012|ops/);
    expect(() => applyPatch(DEFAULT_CONFIG, { fleet_refresh_minutes: 0 })).toThrow(/Fleet tag refresh must be at least 0.05 minutes/);
  });
});
