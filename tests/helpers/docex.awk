# docex.awk - the configuration examples and the walk-through steps of
# one document, for tests/doc_examples.bats and tests/docs_walkthrough.bats.
# Run as
#   awk -v fmt=md|roff -v out=DIR -v src=NAME -f docex.awk FILE
# Writes each example to DIR/N.KIND (N counts on from the files already
# listed in DIR/index) and appends "N KIND NAME:LINE" to DIR/index, where
# KIND is authz.conf or mint.conf and LINE is the example's first line.
# Lines that look like configuration but belong to no marked example go
# to DIR/unmarked as "NAME:LINE: text", so that an example nobody marked
# cannot escape the check.
# Writes each walk-through block (Markdown only) whole to DIR/walk.N and
# appends "N NAME FLAG SRC:LINE" to DIR/walk-index, LINE being the line
# of its first command, FLAG what follows the name ("-" for nothing).
#
# Marking an example (the only way one is found):
#   Markdown  a fenced block whose info string names the file after the
#             language: ```ini authz.conf, ```ini mint.conf. With another
#             language (```sh authz.conf) the example is the here-document
#             the block writes to that file (cat > authz.conf <<'EOF').
#             A walk-through step has a word walk:NAME or walk:NAME:FLAG
#             after the language (```sh walk:mint-key); it may also name
#             a file (```sh walk:mint-conf mint.conf) and is then both.
#   roff      a comment line  .\" example: authz.conf  (or mint.conf; a
#             note may follow) before the .EX/.EE or .nf/.fi block; a
#             here-document in the block is taken as above. Escapes are
#             undone (\- \e \(dq ...).

function reset_block() {
	nb = 0
	kind = ""
	walk = ""
	inblock = 0
}

# Ends a walk-through block: all of it, verbatim.
function emit_walk(    i, m, name, flag) {
	wcount++
	m = wbase + wcount
	name = walk
	flag = "-"
	if (index(name, ":") > 0) {
		flag = substr(name, index(name, ":") + 1)
		name = substr(name, 1, index(name, ":") - 1)
	}
	printf "" > (out "/walk." m)
	for (i = 1; i <= nb; i++)
		print blk[i] > (out "/walk." m)
	close(out "/walk." m)
	printf "%d %s %s %s:%d\n", m, name, flag, src,
	    (nb > 0 ? bline[1] : wline) >> (out "/walk-index")
	close(out "/walk-index")
}

# roff text to plain text: the escapes our man pages use in examples.
function unroff(s) {
	gsub(/\\-/, "-", s)
	gsub(/\\\(dq/, "\"", s)
	gsub(/\\\(aq/, "'", s)
	gsub(/\\\(ha/, "^", s)
	gsub(/\\\(ti/, "~", s)
	gsub(/\\&/, "", s)
	gsub(/\\f[BIRP]/, "", s)
	gsub(/\\c$/, "", s)
	gsub(/\\e/, "\\", s)
	return s
}

# A line that only a configuration file would have. The keys of both
# programs that every example uses; new keys need no entry here.
function looks_like_config(s) {
	return s ~ /^[ \t]*\[issuer([ \t]|\])/ ||
	    s ~ /^[ \t]*(issuer|signing_key|registry|token_lifetime|max_token_lifetime|realm|leeway|jwks_file|key_file|audience|algorithms|claim_var)[ \t]*=/
}

# Ends a marked block: its here-document to KIND, or all of it.
function emit(    i, start, word, line, body, first, n, m, hd, k) {
	start = 1
	word = ""
	k = kind
	gsub(/\./, "\\.", k)
	hd = "cat[ \t]*>[ \t]*([^ \t]*/)?" k "[ \t]*<<-?[ \t]*['\"]?[A-Za-z_]+['\"]?[ \t]*$"
	for (i = 1; i <= nb; i++) {
		line = blk[i]
		sub(/^\$ /, "", line)
		if (line ~ hd) {
			word = line
			sub(/^.*<<-?[ \t]*['"]?/, "", word)
			sub(/['"]?[ \t]*$/, "", word)
			start = i + 1
			break
		}
	}
	if (word == "" && lang != "ini" && lang != "roff") {
		printf "%s:%d: a ```%s %s block without a here-document to %s\n",
		    src, bline[1], lang, kind, kind >> (out "/unmarked")
		return
	}
	n = 0
	for (i = start; i <= nb; i++) {
		if (word != "" && (blk[i] == word || blk[i] == "$ " word))
			break
		if (n == 0)
			first = bline[i]
		body[++n] = blk[i]
	}
	if (word != "" && i > nb) {
		printf "%s:%d: here-document %s never ends\n", src, bline[start - 1],
		    word >> (out "/unmarked")
		return
	}
	count++
	m = base + count
	for (i = 1; i <= n; i++)
		print body[i] > (out "/" m "." kind)
	close(out "/" m "." kind)
	printf "%d %s %s:%d\n", m, kind, src, (n > 0 ? first : bline[1]) >> (out "/index")
	close(out "/index")
}

BEGIN {
	base = 0
	while ((getline l < (out "/index")) > 0)
		base++
	close(out "/index")
	count = 0
	wbase = 0
	while ((getline l < (out "/walk-index")) > 0)
		wbase++
	close(out "/walk-index")
	wcount = 0
	pending = ""
	reset_block()
}

# --- Markdown -----------------------------------------------------------
fmt == "md" && !inblock && /^[ \t]*```/ {
	info = $0
	sub(/^[ \t]*```+[ \t]*/, "", info)
	nw = split(info, w, /[ \t]+/)
	inblock = 1
	lang = w[1]
	for (i = 2; i <= nw; i++) {
		if (w[i] == "authz.conf" || w[i] == "mint.conf")
			kind = w[i]
		else if (w[i] ~ /^walk:[A-Za-z0-9_.-]+(:[A-Za-z0-9_-]+)?$/)
			walk = substr(w[i], 6)
		else if (w[i] ~ /^walk/)
			printf "%s:%d: bad walk-through marker \"%s\" (walk:NAME or walk:NAME:FLAG)\n",
			    src, FNR, w[i] >> (out "/unmarked")
	}
	wline = FNR + 1
	next
}
fmt == "md" && inblock && /^[ \t]*```[ \t]*$/ {
	if (kind != "")
		emit()
	if (walk != "")
		emit_walk()
	reset_block()
	next
}
# A walk-through block that is no configuration example still has its
# lines checked for stray configuration below.
fmt == "md" && inblock && (kind != "" || walk != "") {
	blk[++nb] = $0
	bline[nb] = FNR
	if (kind != "")
		next
}

# --- roff ---------------------------------------------------------------
fmt == "roff" && /^\.\\" example: / {
	pending = $0
	sub(/^\.\\" example: */, "", pending)
	sub(/[ \t].*$/, "", pending)
	if (pending != "authz.conf" && pending != "mint.conf") {
		printf "%s:%d: unknown example kind \"%s\"\n", src, FNR,
		    pending >> (out "/unmarked")
		pending = ""
	}
	next
}
fmt == "roff" && !inblock && /^\.(EX|nf)([ \t]|$)/ {
	inblock = 1
	kind = pending
	lang = "roff"
	pending = ""
	next
}
fmt == "roff" && inblock && /^\.(EE|fi)([ \t]|$)/ {
	if (kind != "")
		emit()
	reset_block()
	next
}
fmt == "roff" && inblock && kind != "" {
	if ($0 ~ /^\./)
		next
	blk[++nb] = unroff($0)
	bline[nb] = FNR
	next
}
# A marker must be followed by its block, not by prose with a block
# further down.
fmt == "roff" && pending != "" && !/^\.(PP|RS|RE|IP|P|LP|sp|br|in)([ \t]|$)/ {
	printf "%s:%d: \"example: %s\" is not followed by .EX or .nf\n", src,
	    FNR, pending >> (out "/unmarked")
	pending = ""
}

# --- everything not in a marked example ----------------------------------
{
	text = (fmt == "roff") ? unroff($0) : $0
	if (looks_like_config(text))
		printf "%s:%d: %s\n", src, FNR, text >> (out "/unmarked")
}

END {
	if (inblock && (kind != "" || walk != ""))
		printf "%s: a marked example never ends\n", src >> (out "/unmarked")
	if (pending != "")
		printf "%s: \"example: %s\" at the end, with no block\n", src,
		    pending >> (out "/unmarked")
}
