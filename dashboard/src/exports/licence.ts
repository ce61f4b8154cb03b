/**
 * The licence of Kanki's public data, in one place: the export files, their `Link` header, the
 * open-data page and the OpenAPI document all state the same terms.
 */

/** CC BY 4.0: anyone may reuse the data, commercially too, as long as they name the source. */
export const DATA_LICENCE = Object.freeze({
  id: 'CC-BY-4.0',
  name: 'Creative Commons Attribution 4.0 International (CC BY 4.0)',
  url: 'https://creativecommons.org/licenses/by/4.0/',
  /** The attribution reusers are asked to give. */
  attribution: '横浜市西区 Kanki',
});

/** The publisher named in every export. */
export const DATA_SOURCE = '横浜市西区 Kanki (Nishi Ward, Yokohama City)';

/** `Link` header value pointing at the licence (RFC 8288 with the `license` relation of RFC 4946). */
export const LICENCE_LINK_HEADER = `<${DATA_LICENCE.url}>; rel="license"`;
