#!/bin/sh
# lint-tests.sh [FILE...] - finds the checks in our Bats tests that cannot
# fail. Bats runs a test under `set -e`, and bash ignores a failure on the
# left of `&&` or `||` and after `!`, so mid-test these pass whatever
# happens (the default files: tests/*.bats and tests/helpers/*.bash):
#
#   [ -f x ] && assert_equal a b     when x is missing, nothing is checked
#   mkdir d && cp f d/               when mkdir fails, the test goes on
#   ! grep -q secret log             never fails (use run ! grep ...)
#   local v=$(cmd)                   local's status hides cmd's
#   assert_x ... | cmd               a pipe keeps only the last status
#
# Allowed: conditions of if/elif/while/until; a chain that ends with an
# `||` fallback (`|| return 1`, `|| { show; false; }`, `|| true` when
# ignoring is the point); `&& break|continue|return|exit|skip` and `&& X=`
# (a conditional assignment); the last statement of a test or helper,
# whose status bats or the caller sees (also the last of a subshell, or of
# a case branch of a case that ends the function); and any line marked
# with a trailing `# lint: ok: REASON` comment (the reason is required).
#
# The scan is a small shell lexer in awk: strings, $(...), ${...}, [[ ]]
# and here-documents are set aside before the operators are looked at.
# Exit 1 naming FILE:LINE and the rule for each finding, 2 on usage.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$#" -eq 0 ]; then
	set -- "$top"/tests/*.bats "$top"/tests/helpers/*.bash
fi
for f in "$@"; do
	[ -f "$f" ] || { echo "lint-tests: $f: no such file" >&2; exit 2; }
done

awk '
function push(k, p) { sp++; st[sp] = k; pc[sp] = 0; ph = p }
function emit(s) { if (sp == 1) buf = buf s }

# scan(LINE): lexes one physical line into buf (the statement so far,
# with strings and substitutions reduced to S, $C, $A, $P and [[ B ]]).
function scan(l,    i, n, c, c2, rest, t) {
	n = length(l)
	cmt = ""
	cont = 0
	for (i = 1; i <= n; i++) {
		c = substr(l, i, 1)
		c2 = substr(l, i, 2)
		k = st[sp]
		if (k == "s") {
			if (c == "\047") sp--
			continue
		}
		if (k == "a") {
			if (c == "\\") i++
			else if (c == "\047") sp--
			continue
		}
		if (k == "d") {
			if (c == "\\") { i++; continue }
			if (c == "\"") { sp--; continue }
			if (c2 == "$(") { push("c"); i++; continue }
			if (c2 == "${") { push("p"); i++; continue }
			continue
		}
		# code: the top level, $(...), ${...} or [[ ]]
		if (c == "\\") {
			if (i == n) { cont = 1; break }
			emit(c2); i++; continue
		}
		if (c == "\047") { emit("S"); push("s"); continue }
		if (c2 == "$\047") { emit("S"); push("a"); i++; continue }
		if (c == "\"") { emit("S"); push("d"); continue }
		if (c2 == "$(" || c2 == "<(" || c2 == ">(") {
			emit(substr(l, i + 2, 1) == "(" ? "$A" : "$C")
			push("c"); i++; continue
		}
		if (c2 == "${") { emit("$P"); push("p"); i++; continue }
		if (c == "#" && (i == 1 || substr(l, i - 1, 1) ~ /[ \t;]/)) {
			if (sp == 1) cmt = substr(l, i)
			break
		}
		if (k == "p") {
			if (c == "{") pc[sp]++
			else if (c == "}") { if (pc[sp] == 0) sp--; else pc[sp]-- }
			continue
		}
		if (k == "b") {
			if (c2 == "]]" && substr(l, i - 1, 1) ~ /[ \t]/) { sp--; i++ }
			continue
		}
		if (c2 == "[[" && substr(l, i + 2, 1) ~ /[ \t]/ &&
		    (i == 1 || substr(l, i - 1, 1) ~ /[ \t;(!]/)) {
			emit("[[ B ]]"); push("b"); i++; continue
		}
		if (k == "c" && sp > 1) {
			if (c == "(") pc[sp]++
			else if (c == ")") { if (pc[sp] == 0) sp--; else pc[sp]-- }
			continue
		}
		# the top level
		if (c2 == "<<" && substr(l, i + 2, 1) != "<") {
			rest = substr(l, i + 2)
			t = rest
			hstrip = sub(/^-/, "", t)
			sub(/^[ \t]*/, "", t)
			if (match(t, /^["\047]?[A-Za-z_][A-Za-z0-9_]*["\047]?/)) {
				hterm = substr(t, RSTART, RLENGTH)
				gsub(/["\047]/, "", hterm)
				i += 1 + (length(rest) - length(t)) + RLENGTH
				emit("<<H")
				continue
			}
		}
		emit(c)
	}
}

function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }

function endstmt() {
	ns++
	sfile[ns] = FILENAME; sline[ns] = start; stext[ns] = trim(buf)
	sok[ns] = okmark; scol0[ns] = col0; sraw[ns] = raw
	buf = ""; start = 0; okmark = ""
}

function report(i, msg) {
	printf "%s:%d: %s\n    %s\n", sfile[i], sline[i], msg, trim(sraw[i])
	bad++
}

# check(I, SEG, LAST): the rules on one command list of statement I.
function check(i, seg, last,    n, parts, ops, j, p, c, c2, lp, pl, np) {
	seg = trim(seg)
	# leading keywords and case patterns
	while (1) {
		if (match(seg, /^(then|do|else|time|\{|\()([ \t]|$)/) ||
		    match(seg, /^\(/)) {
			seg = trim(substr(seg, RLENGTH + 1)); continue
		}
		if (match(seg, /^[^ \t()]*\)[ \t]*/) && seg !~ /^[A-Za-z_]+=/) {
			seg = trim(substr(seg, RLENGTH + 1)); continue
		}
		break
	}
	if (seg == "" || seg ~ /^(if|elif|while|until|for|case|select)([ \t]|$)/ ||
	    seg ~ /^(fi|done|esac|\}|\))([ \t;|&<>]|$)/)
		return
	# split on && and || (strings are gone: what is left is the shell)
	n = 1; parts[1] = ""
	for (j = 1; j <= length(seg); j++) {
		c2 = substr(seg, j, 2)
		if (c2 == "&&" || c2 == "||") {
			ops[n] = c2; n++; parts[n] = ""; j++; continue
		}
		parts[n] = parts[n] substr(seg, j, 1)
	}
	for (j = 1; j <= n; j++) parts[j] = trim(parts[j])
	if (seg ~ /^(local|export|declare|readonly|typeset)[ \t]/ &&
	    seg ~ /=[^ \t]*\$C/)
		report(i, "local/export X=$(CMD) hides the status of CMD; " \
		    "declare X first, then assign it")
	for (j = 1; j <= n; j++) {
		# a leading ! negates the whole pipeline
		p = parts[j]
		sub(/^![ \t]+/, "", p)
		np = split(p, pl, /[ \t]*\|[ \t]*/)
		for (p = 1; p < np; p++)
			if (pl[p] ~ /^(!|assert_)/)
				report(i, "a check on the left of a pipe: " \
				    "its status is lost")
	}
	if (n == 1) {
		if (parts[1] ~ /^![ \t]/ && !last)
			report(i, "! CMD never fails under set -e; use run ! CMD, " \
			    "or if CMD; then ... false; fi")
		return
	}
	if (ops[n - 1] == "||")
		return
	lp = parts[n]
	if (lp ~ /^(break|continue|return|exit|skip|true|:)([ \t]|$)/ ||
	    lp ~ /^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=/)
		return
	# COND && { ...; false; }: a check that fails when COND holds
	if (lp ~ /^\{/) {
		sub(/[ \t;]*\}[^}]*$/, "", lp)
		sub(/.*;[ \t]*/, "", lp)
	}
	if (lp ~ /^(false|return[ \t]+[1-9]|exit[ \t]+[1-9]|[A-Za-z_]*fail)([ \t]|$)/)
		return
	if (last)
		return
	report(i, "A && B: when A fails, nothing does (set -e ignores " \
	    "it); make A a check of its own, use if, or add || return 1")
}

# analyze(): every statement of the file just read.
function analyze(    i, t, segs, m, j, last, infn, body) {
	infn = 0
	for (i = 1; i <= ns; i++) {
		t = stext[i]
		if (t == "") continue
		if (scol0[i] && t ~ /^\}/) { infn = 0; continue }
		if (t ~ /^@test / || (scol0[i] &&
		    t ~ /^(function[ \t]+)?[A-Za-z_][A-Za-z0-9_:.-]*[ \t]*\(\)/)) {
			# a one-line function: name() { body; }
			if (t ~ /\}$/ && index(t, "{") > 0) {
				body = substr(t, index(t, "{") + 1)
				sub(/\}$/, "", body)
				m = split(body, segs, /;/)
				while (m > 0 && trim(segs[m]) == "") m--
				for (j = 1; j <= m; j++)
					if (!okline(i)) check(i, segs[j], j == m)
				continue
			}
			infn = 1
			sub(/^[^{]*\{/, "", t)
			if (trim(t) == "") continue
		}
		if (okline(i)) continue
		m = splitlist(t, segs)
		last = infn && nextclose(i)
		for (j = 1; j <= m; j++) {
			# the last command of a case branch: the status of the case
			bl = sbr[j] || (j == m && nextesac(i))
			check(i, segs[j], (last && j == m) ||
			    (bl && infn && esaclast(i, j, m, segs)))
		}
	}
}

# nextesac(I): the statement after I starts with esac.
function nextesac(i,    j) {
	for (j = i + 1; j <= ns; j++) {
		if (stext[j] == "") continue
		return stext[j] ~ /^esac([ \t;|&<>)]|$)/
	}
	return 0
}

# esaclast(I, J, M, SEGS): the case that segment J of statement I (of M)
# ends a branch of is the last statement of its function, so the
# status of the branch is that of the function.
function esaclast(i, j, m, segs,    k) {
	for (k = j + 1; k <= m; k++)
		if (trim(segs[k]) ~ /^esac([ \t]|$)/)
			return k == m && nextclose(i)
	for (k = i + 1; k <= ns; k++) {
		if (stext[k] == "") continue
		if (stext[k] ~ /^case[ \t]/ || (scol0[k] && stext[k] ~ /^\}/))
			return 0
		if (stext[k] ~ /^esac([ \t;]|$)/)
			return trim(stext[k]) ~ /^esac[ \t;]*$/ && nextclose(k)
	}
	return 0
}

function okline(i) {
	if (sok[i] == "") return 0
	if (sok[i] !~ /lint: ok[:,;]?[ \t]*[^ \t]/) {
		report(i, "\"# lint: ok\" needs a reason after it")
		return 1
	}
	return 1
}

# nextclose(I): the statement after I closes its function.
# The close of a subshell, ")" with at most redirections after it, counts too:
# the subshell is a statement of its own, failing with its last command
# (not so with "&" or "||" after it).
function nextclose(i,    j) {
	for (j = i + 1; j <= ns; j++) {
		if (stext[j] == "") continue
		return (scol0[j] && stext[j] ~ /^\}/) ||
		    stext[j] ~ /^\)[ \t]*([0-9]*[<>]+[^&|;]*)?$/
	}
	return 1
}

# splitlist(T, SEGS): the command lists of T, split on ; and & (not && >& &>
# 2>&1); a { ...; } group stays whole with the list it ends. SBR[K]: segment
# K ended with ";;" (the end of a case branch).
function splitlist(t, segs,    m, j, c, prev, nx, cur, br) {
	m = 0; cur = ""; br = 0
	split("", sbr)
	for (j = 1; j <= length(t); j++) {
		c = substr(t, j, 1)
		prev = j > 1 ? substr(t, j - 1, 1) : ""
		nx = substr(t, j + 1, 1)
		if (c == "{" && prev ~ /^([ \t;&|]|)$/ && nx ~ /^([ \t]|)$/)
			br++
		else if (c == "}" && br > 0 && prev ~ /[ \t;]/)
			br--
		if (br == 0 && (c == ";" || (c == "&" && prev != "&" && prev != ">" &&
		    prev != "<" && prev != "|" && nx != "&" && nx != ">"))) {
			segs[++m] = cur; cur = ""
			if (c == ";" && nx == ";") { j++; sbr[m] = 1 }
			continue
		}
		if (c == "&" && nx == "&") { cur = cur "&&"; j++; continue }
		cur = cur c
	}
	segs[++m] = cur
	while (m > 1 && trim(segs[m]) == "") m--
	return m
}

FNR == 1 {
	if (NR > 1) analyze()
	ns = 0; sp = 1; st[1] = "c"; buf = ""; start = 0; okmark = ""
	hterm = ""
}
{
	if (hterm != "") {
		t = $0
		if (hstrip) sub(/^\t+/, "", t)
		if (t == hterm) hterm = ""
		next
	}
	if (start == 0) {
		start = FNR
		col0 = $0 !~ /^[ \t]/
		raw = $0
	}
	scan($0)
	if (cmt ~ /lint: ok/) okmark = cmt
	if (cont || sp > 1) { emit(" "); next }
	if (buf ~ /(&&|\|\||\|)[ \t]*$/) { buf = buf " "; next }
	endstmt()
}
END {
	if (NR > 0) analyze()
	exit bad > 0
}
' "$@"
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "lint-tests: checks above cannot fail (see tools/lint-tests.sh)" >&2
	exit 1
fi
