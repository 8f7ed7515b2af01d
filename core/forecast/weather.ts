/**
 * The weather where known: an adapter the forecast asks for a day's outlook. The real one
 * would call a weather service; tests and the bench use {@link fixedWeather}.
 */
export const WEATHER = ['sunny', 'cloudy', 'rain', 'storm'] as const;
export type Weather = (typeof WEATHER)[number];

/** What each outlook multiplies a day's crowd by (an outdoor area; rain keeps families home). */
export const WEATHER_EFFECT: Record<Weather, number> = { sunny: 1.05, cloudy: 1, rain: 0.8, storm: 0.55 };

export interface WeatherSource {
  /** the outlook of an area's day, or null when nothing is known (too far ahead, no service) */
  outlook(areaId: string, date: string): Promise<Weather | null>;
}

/** No weather service configured: nothing is known, the forecast leaves weather out. */
export const noWeather: WeatherSource = { outlook: () => Promise.resolve(null) };

/** A fake for tests and the bench: the outlook of listed days, nothing for the rest. */
export function fixedWeather(days: Record<string, Weather>): WeatherSource {
  return { outlook: (_area, date) => Promise.resolve(days[date] ?? null) };
}
