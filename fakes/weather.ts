import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { closeServer, listen } from './kit/http.js';

/**
 * A forecast API in the style of QWeather's (和风天气) v7 daily forecast, which the
 * weather adapter reads (core/campaigns/weather.ts):
 *  `GET /v7/weather/7d?location=<id>&key=<key>` → HTTP 200 with
 *  `{code: "200", updateTime, daily: [{fxDate, textDay, iconDay, tempMax, tempMin, precip}]}`;
 *  a wrong key answers `code: "401"`, an unknown location `code: "404"` (QWeather's codes
 *  are in the body). Icon codes: 100 sunny 晴, 101 cloudy 多云, 103 partly cloudy 晴间多云,
 *  104 overcast 阴, 305 light rain 小雨. Tests set the forecast per location and date.
 */
export interface DailyForecast {
  fxDate: string;
  textDay: string;
  iconDay: string;
  tempMax: string;
  tempMin: string;
  precip: string;
}

export interface WeatherFake {
  url: string;
  key: string;
  /** how many forecast requests it answered */
  requests: number;
  set(location: string, days: { date: string; icon: '100' | '101' | '103' | '104' | '305' }[]): void;
  env(): Record<string, string>;
  close(): Promise<void>;
}

const TEXT: Record<string, string> = {
  '100': '晴',
  '101': '多云',
  '103': '晴间多云',
  '104': '阴',
  '305': '小雨',
};

const json = (res: ServerResponse, body: unknown) =>
  void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

export async function startWeatherFake(): Promise<WeatherFake> {
  const key = randomBytes(12).toString('hex');
  const forecasts = new Map<string, DailyForecast[]>();
  const fake = { requests: 0 };
  const { server, url } = await listen((req, res) => {
    if (req.method !== 'GET' || req.url.pathname !== '/v7/weather/7d') return void res.writeHead(404).end();
    fake.requests++;
    const q = req.url.searchParams;
    if ((q.get('key') ?? req.headers['x-qw-api-key']) !== key) return json(res, { code: '401' });
    const daily = forecasts.get(q.get('location') ?? '');
    if (!daily) return json(res, { code: '404' });
    json(res, { code: '200', updateTime: new Date().toISOString(), daily });
  });
  return {
    url,
    key,
    get requests() {
      return fake.requests;
    },
    set: (location, days) =>
      void forecasts.set(
        location,
        days.map((d) => ({
          fxDate: d.date,
          textDay: TEXT[d.icon]!,
          iconDay: d.icon,
          tempMax: '18',
          tempMin: '8',
          precip: d.icon === '305' ? '3.2' : '0.0',
        })),
      ),
    env: () => ({ SCENIC_WEATHER_API: url, SCENIC_WEATHER_KEY: key }),
    close: () => closeServer(server),
  };
}
