/* gate.c  G6's decision: may this URL be reached for this purpose with this consent?
 *
 * A pure function of the policy, the URL and the call's consent, so that the policy
 * loader, the sender and the tests ask the same question. The URL is taken apart by
 * libcurl's own parser, the one that will connect: what is checked is what is used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "callwarden/egress.h"

static const char *const verdict_names[CW_EGRESS_NVERDICTS] = {
    [CW_EGRESS_ALLOWED] = "allowed",
    [CW_EGRESS_BAD_URL] = "bad_url",
    [CW_EGRESS_NOT_HTTPS] = "not_https",
    [CW_EGRESS_HOST_NOT_ALLOWED] = "host_not_allowed",
    [CW_EGRESS_REGION] = "region_not_permitted",
    [CW_EGRESS_NO_PURPOSE] = "no_purpose",
    [CW_EGRESS_NO_CONSENT] = "no_consent",
    [CW_EGRESS_WITHDRAWN] = "consent_withdrawn",
    [CW_EGRESS_NOT_COVERED] = "purpose_not_consented",
};

const char *cw_egress_verdict_name(cw_egress_verdict v)
{
    return (unsigned)v < CW_EGRESS_NVERDICTS ? verdict_names[v] : "?";
}

static void lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

int cw_egress_parse_url(const char *url, cw_egress_url *out)
{
    memset(out, 0, sizeof *out);
    CURLU *u = curl_url();
    if (!u)
        return -1;
    int rc = -1;
    char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *password = NULL;
    /* no guessing of a scheme, no default scheme: "example.eu/x" is not a URL */
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
        goto done;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
        goto done;
    if (strlen(scheme) >= sizeof out->scheme || strlen(host) >= sizeof out->host + 2)
        goto done;
    snprintf(out->scheme, sizeof out->scheme, "%s", scheme);
    lower(out->scheme);
    const char *h = host;
    size_t hn = strlen(h);
    if (hn >= 2 && h[0] == '[' && h[hn - 1] == ']') {      /* IPv6 */
        h++;
        hn -= 2;
    }
    if (hn == 0 || hn >= sizeof out->host)
        goto done;
    memcpy(out->host, h, hn);
    out->host[hn] = 0;
    lower(out->host);
    out->port = (unsigned)strtoul(port, NULL, 10);
    out->has_userinfo = curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
                        curl_url_get(u, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK;
    rc = 0;
done:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(user);
    curl_free(password);
    curl_url_cleanup(u);
    return rc;
}

cw_egress_verdict cw_egress_check(const cw_policy *p, const char *url, const char *purpose,
                                  const cw_egress_consent *consent, char *why, size_t whylen)
{
    cw_egress_url u;
    if (!url || cw_egress_parse_url(url, &u) != 0) {
        snprintf(why, whylen, "\"%.120s\" is not a URL", url ? url : "");
        return CW_EGRESS_BAD_URL;
    }
    if (strcmp(u.scheme, "https") != 0) {
        snprintf(why, whylen, "%s:// is not allowed: data leaves only over https://",
                 u.scheme);
        return CW_EGRESS_NOT_HTTPS;
    }
    if (u.has_userinfo) {
        snprintf(why, whylen, "a URL with a user name or password is not allowed");
        return CW_EGRESS_BAD_URL;
    }
    const cw_policy_host *h = p ? cw_policy_egress_host(p, u.host, u.port) : NULL;
    if (!h) {
        snprintf(why, whylen, "host %s port %u is not on the policy's egress.allow list",
                 u.host, u.port);
        return CW_EGRESS_HOST_NOT_ALLOWED;
    }
    if (!cw_policy_region_permitted(p, h->region)) {
        snprintf(why, whylen, "host %s is in region %s, which the policy does not permit",
                 u.host, h->region);
        return CW_EGRESS_REGION;
    }
    if (purpose && strcmp(purpose, CW_PURPOSE_CONSENT_ANSWER) == 0) {
        /* the narrow exception to G2: the answer to the consent question itself, while
         * it is being answered, so that "ja" can be heard (G3 method SPEECH) */
        if (consent && consent->answering && !consent->withdrawn)
            return CW_EGRESS_ALLOWED;
        snprintf(why, whylen, "the consent answer leaves only while the consent question "
                 "is being answered");
        return CW_EGRESS_NO_CONSENT;
    }
    if (purpose && strcmp(purpose, CW_PURPOSE_WITHDRAWAL_CODE) == 0) {
        /* the code of a withdrawal outside the call: the number and the code, never
         * anything a call produced */
        if (!consent)
            return CW_EGRESS_ALLOWED;
        snprintf(why, whylen, "the withdrawal code carries nothing of a call's audio or "
                 "transcripts");
        return CW_EGRESS_NO_PURPOSE;
    }
    if (!purpose || !purpose[0] || !cw_policy_purpose_description(p, purpose)) {
        snprintf(why, whylen, "the request names no known purpose (\"%.40s\")",
                 purpose ? purpose : "");
        return CW_EGRESS_NO_PURPOSE;
    }
    if (!consent)
        return CW_EGRESS_ALLOWED;
    if (consent->withdrawn) {
        snprintf(why, whylen, "the caller withdrew the consent (G5): nothing derived from "
                 "the call leaves any more");
        return CW_EGRESS_WITHDRAWN;
    }
    if (!consent->given || !consent->level) {
        snprintf(why, whylen, "no consent is durably given for this call: caller data "
                 "does not leave for %s", purpose);
        return CW_EGRESS_NO_CONSENT;
    }
    const cw_policy_level *l = cw_policy_level_get(p, consent->level);
    if (!l || !cw_policy_level_covers(l, purpose)) {
        snprintf(why, whylen, "the consent (level %s) does not cover the purpose %s",
                 consent->level, purpose);
        return CW_EGRESS_NOT_COVERED;
    }
    return CW_EGRESS_ALLOWED;
}
