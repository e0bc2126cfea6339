// SPDX-License-Identifier: GPL-2.0
/*
 * mbox-bridge: the NATS side. Connection options (servers, credentials, TLS,
 * reconnecting for ever), the connection, and the JetStream stream of a route.
 */
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bridge.h"

natsConnection *bridge_nc;
jsCtx *bridge_js;

const char *broker_err(natsStatus s)
{
	const char *text = nats_GetLastError(NULL);

	return text && *text ? text : natsStatus_GetText(s);
}

static void on_disconnect(natsConnection *nc, void *closure)
{
	(void)nc;
	(void)closure;
	if (!atomic_load(&bridge_stopping))
		bridge_log(1, "disconnected from the broker, reconnecting");
}

static void on_connect(natsConnection *nc, void *closure)
{
	(void)nc;
	(void)closure;
	bridge_log(1, "connected to the broker");
}

/* Closed for good (refused credentials, say): exit, so a supervisor sees it. */
static void on_closed(natsConnection *nc, void *closure)
{
	const char *why = NULL;

	(void)closure;
	if (atomic_load(&bridge_stopping))
		return;
	natsConnection_GetLastError(nc, &why);
	bridge_log(0, "the broker connection closed: %s", why ? why : "?");
	atomic_store(&bridge_failed, true);
	kill(getpid(), SIGTERM);
}

static void on_reconnect(natsConnection *nc, void *closure)
{
	(void)nc;
	(void)closure;
	bridge_log(1, "reconnected to the broker");
}

static natsStatus tls_options(natsOptions *o)
{
	natsStatus s = NATS_OK;

	if (cfg.tls || cfg.tls_ca || cfg.tls_cert)
		s = natsOptions_SetSecure(o, true);
	/* Read now, while the files are still readable by the starting user. */
	if (s == NATS_OK && cfg.tls_ca)
		s = natsOptions_LoadCATrustedCertificates(o, cfg.tls_ca);
	if (s == NATS_OK && cfg.tls_cert)
		s = natsOptions_LoadCertificatesChain(o, cfg.tls_cert,
						      cfg.tls_key ? cfg.tls_key : cfg.tls_cert);
	if (s == NATS_OK && cfg.tls_hostname)
		s = natsOptions_SetExpectedHostname(o, cfg.tls_hostname);
	return s;
}

static natsStatus auth_options(natsOptions *o)
{
	natsStatus s = NATS_OK;

	if (cfg.nats_user)
		s = natsOptions_SetUserInfo(o, cfg.nats_user, cfg.nats_password);
	if (s == NATS_OK && cfg.nats_token)
		s = natsOptions_SetToken(o, cfg.nats_token);
	return s;
}

/* Options that keep the connection alive through broker restarts. */
static natsStatus reconnect_options(natsOptions *o)
{
	natsStatus s;

	s = natsOptions_SetMaxReconnect(o, -1);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectWait(o, 250);
	if (s == NATS_OK)
		s = natsOptions_SetRetryOnFailedConnect(o, true, on_connect, NULL);
	/* A publish waiting for its ack fails at once and is retried. */
	if (s == NATS_OK)
		s = natsOptions_SetFailRequestsOnDisconnect(o, true);
	if (s == NATS_OK)
		s = natsOptions_SetDisconnectedCB(o, on_disconnect, NULL);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectedCB(o, on_reconnect, NULL);
	if (s == NATS_OK)
		s = natsOptions_SetClosedCB(o, on_closed, NULL);
	return s;
}

int broker_options(natsOptions **opts)
{
	char name[300];
	natsStatus s;

	s = natsOptions_Create(opts);
	if (s != NATS_OK)
		goto err;
	snprintf(name, sizeof(name), "mbox-bridge@%s", cfg.host);
	s = natsOptions_SetName(*opts, name);
	if (s == NATS_OK && cfg.nservers)
		s = natsOptions_SetServers(*opts, cfg.servers, cfg.nservers);
	if (s == NATS_OK)
		s = reconnect_options(*opts);
	if (s == NATS_OK)
		s = auth_options(*opts);
	if (s == NATS_OK)
		s = tls_options(*opts);
	if (s == NATS_OK)
		return 0;
err:
	bridge_log(0, "NATS options: %s", broker_err(s));
	return -1;
}

int broker_connect(natsOptions *opts)
{
	jsOptions jo;
	natsStatus s;

	s = natsConnection_Connect(&bridge_nc, opts);
	/*
	 * Not yet connected is fine: with a connected callback set, the library
	 * keeps trying in its own thread and this one goes on to wait for
	 * SIGTERM.
	 */
	if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
		bridge_log(0, "connecting: %s", broker_err(s));
		return -1;
	}
	jsOptions_Init(&jo);
	jo.Wait = 2000;
	s = natsConnection_JetStream(&bridge_js, bridge_nc, &jo);
	if (s != NATS_OK) {
		bridge_log(0, "JetStream: %s", broker_err(s));
		return -1;
	}
	return 0;
}

void broker_close(void)
{
	/* The last acks and publishes must leave before the socket closes. */
	if (natsConnection_Status(bridge_nc) == NATS_CONN_STATUS_CONNECTED)
		natsConnection_FlushTimeout(bridge_nc, 2000);
	jsCtx_Destroy(bridge_js);
	natsConnection_Destroy(bridge_nc);
}

/* "MBOX_" and the subject, with what a stream name may not hold replaced. */
static void stream_name(struct route *r)
{
	size_t i;

	snprintf(r->stream, sizeof(r->stream), "MBOX_%s", r->subject);
	for (i = 0; r->stream[i]; i++)
		if (!isalnum((unsigned char)r->stream[i]) && r->stream[i] != '-')
			r->stream[i] = '_';
}

/*
 * The stream that stores the route's subject: made by whichever bridge comes
 * first, with the window in which JetStream drops a repeated message id.
 */
int broker_stream(struct route *r)
{
	const char *subject = r->subject;
	jsStreamInfo *si = NULL;
	jsStreamConfig sc;
	jsErrCode jerr = 0;
	natsStatus s;

	stream_name(r);
	jsStreamConfig_Init(&sc);
	sc.Name = r->stream;
	sc.Subjects = &subject;
	sc.SubjectsLen = 1;
	sc.Storage = js_FileStorage;
	sc.Duplicates = cfg.dup_window_ms * 1000000;
	s = js_AddStream(&si, bridge_js, &sc, NULL, &jerr);
	jsStreamInfo_Destroy(si);
	/* Already there: another bridge, or this one earlier, made it. */
	if (s == NATS_OK || jerr == JSStreamNameExistErr)
		return 0;
	bridge_log(2, "stream %s: %s (%d)", r->stream, broker_err(s), jerr);
	return -1;
}
