#include <string.h>

#include <curl/curl.h>

#include "provider.h"

/*
 * The fault table of DESIGN §6. Automatic retry is an allow-list of
 * outcomes that prove Wassenger did not take the message; whatever else
 * may have gone out is unknown and never posted again by itself.
 */
int
provider_classify(int curlcode, int request_sent, int http, const char *code)
{
	int	 phone = code != NULL && strncmp(code, "phone:", 6) == 0;

	if (curlcode != CURLE_OK) {
		switch (curlcode) {
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_RESOLVE_PROXY:
		case CURLE_COULDNT_CONNECT:
		case CURLE_SSL_CONNECT_ERROR:
		case CURLE_PEER_FAILED_VERIFICATION:
			return PROV_NOT_TAKEN;
		case CURLE_OPERATION_TIMEDOUT:
			return request_sent ? PROV_UNKNOWN : PROV_NOT_TAKEN;
		default:
			return PROV_UNKNOWN;
		}
	}
	if (http == 200 || http == 201)
		return PROV_SENT;
	if (http == 429 || http == 503)
		return PROV_RATE_LIMITED;
	if ((http == 400 || http == 404 || http == 422) && phone)
		return PROV_REFUSED;
	if (http == 401 || http == 403 || http == 402)
		return PROV_CONFIG;
	if (http == 404)
		return PROV_CHECK_DEVICE;
	return PROV_UNKNOWN;
}

int
provider_classify_device(int http)
{
	if (http == 404 || http == 401 || http == 403)
		return PROV_CONFIG;
	return PROV_UNKNOWN;
}
