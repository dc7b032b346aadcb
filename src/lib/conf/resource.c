/* resource.c - the authorizer's [resource ID] sections (jwt-fcgi.conf(5)
 * "RESOURCE METADATA"): what it says of the APIs it protects (RFC 9728),
 * so that a client refused with a 401 learns where to get a token.
 *
 *   [resource https://service-b.example.com/api]
 *   authorization_servers = https://mint.example.com/mint
 *   scopes_supported = counter.read counter.write
 *   resource_name = Counter API
 *   resource_documentation = https://service-b.example.com/docs
 *   tls_client_certificate_bound_access_tokens = yes
 *   challenge_iss = yes        also iss="<first server>" in challenges
 *
 * The document is built here, once: a request only copies it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/cfg.h"
#include "conf/cfg-int.h"
#include "conf/ini.h"
#include "oauth/prm.h"

#define RES_TEXT_MAX 256

/* A URL a challenge or the document repeats: https, printable, no
 * quote, backslash or blank, so it needs no escaping anywhere. */
static int
res_clean_url(const char *u)
{
	const char *p;

	if (strncmp(u, "https://", 8) != 0 || u[8] == '\0' || u[8] == '/' ||
	    strchr(u, '#') != NULL || strlen(u) > PRM_URL_MAX)
		return 0;
	for (p = u; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
			return 0;
	return 1;
}

enum jf_err
cfg_new_resource(struct cfg *c, const struct ini_item *it, struct jf_msg *m)
{
	struct cfg_res_sec *s;
	struct jf_msg why;
	const char *q;
	size_t i;

	if (it->arg == NULL || !res_clean_url(it->arg))
		return jf_fail(m, JF_E_CONFIG, "%s:%u: [resource]: expected the "
		    "API's identifier, an https URL without fragment, blanks "
		    "or quotes, as in [resource https://api.example.com/v1]",
		    it->file, it->line);
	for (i = 0; i < c->nres; i++)
		if (strcmp(c->res[i]->id, it->arg) == 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: duplicate "
			    "[resource %.64s] (first on line %u)", it->file,
			    it->line, it->arg, c->res[i]->line);
	if (c->nres == CFG_MAX_RESOURCES)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: more than %d [resource] "
		    "sections", it->file, it->line, CFG_MAX_RESOURCES);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return cfg_nomem(m);
	c->res[c->nres++] = s;
	s->line = it->line;
	if ((s->id = strdup(it->arg)) == NULL)
		return cfg_nomem(m);
	why.s[0] = '\0';
	if (prm_url(s->id, s->murl, sizeof(s->murl), &why) != JF_OK)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: [resource]: %s",
		    it->file, it->line, why.s);
	/* What a request to it names: its path and query. */
	q = s->murl + 8;
	s->pub.id = s->id;
	s->pub.metadata_url = s->murl;
	s->pub.metadata_path = q + strcspn(q, "/");
	return JF_OK;
}

static enum jf_err
res_text(const struct ini_item *it, char **out, unsigned *line,
	struct jf_msg *m)
{
	const char *p;
	enum jf_err rc;

	if ((rc = cfg_once(it, line, m)) != JF_OK)
		return rc;
	for (p = it->value; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			break;
	if (*it->value == '\0' || *p != '\0' ||
	    strlen(it->value) > RES_TEXT_MAX)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: expected 1..%d "
		    "characters of text", it->file, it->line, it->key,
		    RES_TEXT_MAX);
	if ((*out = strdup(it->value)) == NULL)
		return cfg_nomem(m);
	return JF_OK;
}

enum jf_err
cfg_set_resource_key(struct cfg *c, struct cfg_res_sec *s,
	const struct ini_item *it, struct jf_msg *m)
{
	enum jf_err rc;
	size_t i, n;

	(void)c;
	if (strcmp(it->key, "authorization_servers") == 0) {
		n = s->nas;
		if ((rc = cfg_words(it, s->as, &s->nas, PRM_MAX_AS, m)) !=
		    JF_OK)
			return rc;
		for (i = n; i < s->nas; i++)
			if (!res_clean_url(s->as[i]))
				return jf_fail(m, JF_E_CONFIG, "%s:%u: "
				    "authorization_servers: %.64s is not an "
				    "https URL (an issuer identifier)", it->file,
				    it->line, s->as[i]);
		return JF_OK;
	}
	if (strcmp(it->key, "scopes_supported") == 0) {
		n = s->nscopes;
		if ((rc = cfg_words(it, s->scopes, &s->nscopes,
		    CFG_RES_SCOPES, m)) != JF_OK)
			return rc;
		for (i = n; i < s->nscopes; i++)
			if (strpbrk(s->scopes[i], "\"\\") != NULL)
				return jf_fail(m, JF_E_CONFIG, "%s:%u: "
				    "scopes_supported: a scope has no '\"' or "
				    "'\\'", it->file, it->line);
		return JF_OK;
	}
	if (strcmp(it->key, "resource_name") == 0)
		return res_text(it, &s->name, &s->name_line, m);
	if (strcmp(it->key, "resource_documentation") == 0) {
		if ((rc = res_text(it, &s->doc, &s->doc_line, m)) != JF_OK)
			return rc;
		if (!res_clean_url(s->doc))
			return jf_fail(m, JF_E_CONFIG, "%s:%u: "
			    "resource_documentation: expected an https URL",
			    it->file, it->line);
		return JF_OK;
	}
	if (strcmp(it->key, "tls_client_certificate_bound_access_tokens") ==
	    0) {
		if ((rc = cfg_once(it, &s->bound_line, m)) != JF_OK)
			return rc;
		return cfg_yesno(it, &s->bound, m);
	}
	if (strcmp(it->key, "challenge_iss") == 0) {
		if ((rc = cfg_once(it, &s->iss_line, m)) != JF_OK)
			return rc;
		return cfg_yesno(it, &s->challenge_iss, m);
	}
	return jf_fail(m, JF_E_CONFIG, "%s:%u: unknown key \"%.64s\" in "
	    "[resource %.64s]", it->file, it->line, it->key, s->id);
}

enum jf_err
cfg_resource_finish(struct cfg *c, struct jf_msg *m)
{
	struct cfg_res_sec *s;
	struct prm p;
	size_t i, j;

	for (i = 0; i < c->nres; i++) {
		s = c->res[i];
		for (j = 0; j < i; j++)
			if (strcmp(c->res[j]->pub.metadata_path,
			    s->pub.metadata_path) == 0)
				return jf_fail(m, JF_E_CONFIG, "%s:%u: [resource "
				    "%.64s] has the metadata URL of line %u",
				    c->path, s->line, s->id, c->res[j]->line);
		if (s->challenge_iss && s->nas == 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: [resource %.64s]: "
			    "challenge_iss needs authorization_servers",
			    c->path, s->line, s->id);
		memset(&p, 0, sizeof(p));
		p.resource = s->id;
		p.as = (const char *const *)s->as;
		p.nas = s->nas;
		p.scopes = (const char *const *)s->scopes;
		p.nscopes = s->nscopes;
		p.name = s->name;
		p.doc_url = s->doc;
		p.bound = s->bound;
		if ((s->json = prm_build(&p)) == NULL)
			return cfg_nomem(m);
		s->pub.json = s->json;
		s->pub.iss = s->challenge_iss ? s->as[0] : NULL;
	}
	return JF_OK;
}

void
cfg_resource_free(struct cfg_res_sec *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nas; i++)
		free(s->as[i]);
	for (i = 0; i < s->nscopes; i++)
		free(s->scopes[i]);
	free(s->name);
	free(s->doc);
	free(s->json);
	free(s->id);
	free(s);
}

const struct cfg_resource *
cfg_resource(const struct cfg *c, const char *id)
{
	size_t i;

	if (id == NULL)
		return c->nres > 0 ? &c->res[0]->pub : NULL;
	for (i = 0; i < c->nres; i++)
		if (strcmp(c->res[i]->id, id) == 0)
			return &c->res[i]->pub;
	return NULL;
}

const struct cfg_resource *
cfg_resource_at(const struct cfg *c, const char *path)
{
	size_t i;

	for (i = 0; i < c->nres; i++)
		if (strcmp(c->res[i]->pub.metadata_path, path) == 0)
			return &c->res[i]->pub;
	return NULL;
}
