/**
 * The request content type the admission endpoints accept: JSON in UTF-8, which is what the apiserver
 * sends. Anything else is answered 415 before the body is read.
 */

/**
 * Why `contentType` is not JSON in UTF-8, or undefined when it is: `application/json` in any letter case,
 * with no charset or a UTF-8 one (`utf-8`, `utf8`, quoted or not).
 */
export function jsonContentTypeProblem(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return 'the content type must be application/json; none was sent';
  const [mediaType = '', ...parameters] = contentType.split(';');
  const media = mediaType.trim().toLowerCase();
  if (media !== 'application/json') {
    return `the content type must be application/json, not ${media || '(empty)'}`;
  }
  for (const parameter of parameters) {
    const equals = parameter.indexOf('=');
    if (equals < 0 || parameter.slice(0, equals).trim().toLowerCase() !== 'charset') continue;
    const charset = parameter
      .slice(equals + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') return `the charset must be utf-8, not ${charset}`;
  }
  return undefined;
}
