package newsflow.peer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.charfilter.HTMLStripCharFilter;
import org.apache.lucene.analysis.charfilter.MappingCharFilter;
import org.apache.lucene.analysis.charfilter.NormalizeCharMap;
import org.apache.lucene.analysis.cjk.CJKBigramFilter;
import org.apache.lucene.analysis.cjk.CJKWidthFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.analysis.tokenattributes.TypeAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.Term;
import org.apache.lucene.monitor.MatchingQueries;
import org.apache.lucene.monitor.Monitor;
import org.apache.lucene.monitor.MonitorQuery;
import org.apache.lucene.monitor.MultiMatchingQueries;
import org.apache.lucene.monitor.MultipassTermFilteredPresearcher;
import org.apache.lucene.monitor.Presearcher;
import org.apache.lucene.monitor.QueryMatch;
import org.apache.lucene.monitor.TermFilteredPresearcher;
import org.apache.lucene.queries.spans.SpanMultiTermQueryWrapper;
import org.apache.lucene.queries.spans.SpanNearQuery;
import org.apache.lucene.queries.spans.SpanNotQuery;
import org.apache.lucene.queries.spans.SpanOrQuery;
import org.apache.lucene.queries.spans.SpanQuery;
import org.apache.lucene.queries.spans.SpanTermQuery;
import org.apache.lucene.queries.spans.SpanWithinQuery;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.WildcardQuery;
import org.apache.lucene.util.Version;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * newsflow benchmark peer: Lucene Monitor (reverse search) over the project's rule set.
 *
 * <pre>
 * lucene-monitor-peer --rules DIR|FILE.yaml[,FILE.yaml...] --docs FILE [--format jsonl|text]
 *     [--iterations N] [--warmup N] [--batch N] [--presearcher term|multipass]
 *     [--html-strip yes|no] [--dump-tags OUT] [--dump-queries OUT]
 * </pre>
 *
 * Every rule of rules/sets/*.yaml becomes one MonitorQuery (id FILESTEM/INDEX, metadata tag);
 * every document is matched against the monitor; a document gets the tags of the rules that
 * matched. See ../README.md (section "lucene-monitor") for the translation and its limits.
 */
public final class LuceneMonitorPeer {

  static final String TEXT = "text"; // title and body, two values, position gap between them
  static final String TITLE = "title"; // the title alone (only when a rule needs title weight)
  static final int POSITION_GAP = 100;
  static final double REPEAT_BONUS = 0.25; // rules/include/newsflow/rules/compiled_rules.h
  static final int MAX_REPEATS_SCORED = 4;
  static final int FAR = 1_000_000; // slop meaning "anywhere in the field"

  // ------------------------------------------------------------------ CLI

  static final String USAGE =
      "usage: lucene-monitor-peer --rules DIR|FILE.yaml[,FILE.yaml...] --docs FILE"
          + " [--format jsonl|text] [--iterations N] [--warmup N] [--batch N]"
          + " [--presearcher term|multipass] [--html-strip yes|no] [--dump-tags OUT] [--dump-queries OUT]";

  static final class Args {
    String rules;
    String docs;
    String format; // null: by file name
    int iterations = 5;
    int warmup = 2;
    int batch = 1;
    String presearcher = "term";
    String dumpTags;
    String dumpQueries;
    boolean htmlStrip = true;
  }

  static void die(String msg) {
    System.err.println("lucene-monitor-peer: " + msg);
    System.err.println(USAGE);
    System.exit(2);
  }

  static int positiveInt(String name, String v, int min) {
    try {
      int n = Integer.parseInt(v);
      if (n >= min) return n;
    } catch (NumberFormatException e) {
      // fall through
    }
    die("bad " + name + ": " + v);
    return 0;
  }

  static Args parseArgs(String[] argv) {
    Args a = new Args();
    for (int i = 0; i < argv.length; i++) {
      String k = argv[i];
      String inline = null;
      int eq = k.indexOf('=');
      if (k.startsWith("--") && eq > 0) {
        inline = k.substring(eq + 1);
        k = k.substring(0, eq);
      }
      if (k.equals("-h") || k.equals("--help")) {
        System.out.println(USAGE);
        System.exit(0);
      }
      String v = inline;
      if (v == null) {
        if (i + 1 >= argv.length) die(k + " needs a value");
        v = argv[++i];
      }
      switch (k) {
        case "--rules" -> a.rules = v;
        case "--docs" -> a.docs = v;
        case "--format" -> {
          if (!v.equals("jsonl") && !v.equals("text")) die("bad --format: " + v);
          a.format = v;
        }
        case "--iterations" -> a.iterations = positiveInt(k, v, 1);
        case "--warmup" -> a.warmup = positiveInt(k, v, 0);
        case "--batch" -> a.batch = positiveInt(k, v, 1);
        case "--presearcher" -> {
          if (!v.equals("term") && !v.equals("multipass")) die("bad --presearcher: " + v);
          a.presearcher = v;
        }
        case "--dump-tags" -> a.dumpTags = v;
        case "--dump-queries" -> a.dumpQueries = v;
        case "--html-strip" -> {
          if (!v.equals("yes") && !v.equals("no")) die("bad --html-strip: " + v);
          a.htmlStrip = v.equals("yes");
        }
        default -> die("unknown argument: " + argv[i]);
      }
    }
    if (a.rules == null) die("--rules is required");
    if (a.docs == null) die("--docs is required");
    if (a.format == null) {
      String d = a.docs.toLowerCase(Locale.ROOT);
      a.format = d.endsWith(".jsonl") || d.endsWith(".jsonl.gz") || d.endsWith(".json") ? "jsonl" : "text";
    }
    return a;
  }

  // ------------------------------------------------------------------ analysis

  /**
   * CJKAnalyzer's chain without its English stop words, plus two char filters: HTMLStripCharFilter
   * (optional) -> MappingCharFilter (the symbols + % * / and their full-width forms become the
   * words _plus_ _pct_ _star_ _slash_, so that 人工智能+ is not just 人工智能) -> StandardTokenizer
   * -> CJKWidthFilter (full-width ASCII to half-width) -> LowerCaseFilter -> CJKBigramFilter (runs
   * of Han characters become overlapping bigrams). A position gap separates the values of a
   * multi-valued field (title and body) so that no phrase spans them.
   */
  static final class NewsAnalyzer extends Analyzer {
    /** Symbols that keywords of the rule set use as part of their meaning (人工智能+, *ST节能). */
    static final String SYMBOLS = "+%*/";

    static final NormalizeCharMap SYMBOL_MAP;

    static {
      NormalizeCharMap.Builder b = new NormalizeCharMap.Builder();
      String[] names = {"plus", "pct", "star", "slash"};
      for (int i = 0; i < SYMBOLS.length(); i++) {
        String token = " _" + names[i] + "_ ";
        b.add(String.valueOf(SYMBOLS.charAt(i)), token);
        b.add(String.valueOf((char) (SYMBOLS.charAt(i) + 0xFEE0)), token); // full-width form
      }
      SYMBOL_MAP = b.build();
    }

    final boolean htmlStrip;

    NewsAnalyzer(boolean htmlStrip) {
      this.htmlStrip = htmlStrip;
    }

    @Override
    protected Reader initReader(String fieldName, Reader reader) {
      return new MappingCharFilter(SYMBOL_MAP, htmlStrip ? new HTMLStripCharFilter(reader) : reader);
    }

    @Override
    protected TokenStreamComponents createComponents(String fieldName) {
      Tokenizer source = new StandardTokenizer();
      TokenStream ts = new CJKWidthFilter(source);
      ts = new LowerCaseFilter(ts);
      ts = new CJKBigramFilter(ts);
      return new TokenStreamComponents(source, ts);
    }

    @Override
    public int getPositionIncrementGap(String fieldName) {
      return POSITION_GAP;
    }
  }

  /** A keyword's tokens and their relative positions. */
  record Tokens(List<String> terms, List<Integer> positions, List<Boolean> singleHan) {
    boolean isEmpty() {
      return terms.isEmpty();
    }

    /**
     * A lone Han character at an edge of the keyword (LNG船, PI膜): CJKBigramFilter emits it as a
     * unigram because the keyword has no Han neighbour there, but in running text it usually has
     * one and then only occurs inside a bigram (LNG船交付 -> lng 船交 交付).
     */
    boolean hasEdgeSingle() {
      return !terms.isEmpty() && (singleHan.get(0) || singleHan.get(terms.size() - 1));
    }
  }

  static Tokens analyze(Analyzer an, String text) throws IOException {
    List<String> terms = new ArrayList<>();
    List<Integer> pos = new ArrayList<>();
    List<Boolean> single = new ArrayList<>();
    try (TokenStream ts = an.tokenStream(TEXT, text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      PositionIncrementAttribute inc = ts.addAttribute(PositionIncrementAttribute.class);
      TypeAttribute type = ts.addAttribute(TypeAttribute.class);
      ts.reset();
      int p = -1;
      while (ts.incrementToken()) {
        p += inc.getPositionIncrement();
        String t = term.toString();
        terms.add(t);
        pos.add(p);
        single.add(CJKBigramFilter.SINGLE_TYPE.equals(type.type())
            && t.codePointCount(0, t.length()) == 1
            && Character.UnicodeScript.of(t.codePointAt(0)) == Character.UnicodeScript.HAN);
      }
      ts.end();
    }
    int first = pos.isEmpty() ? 0 : pos.get(0);
    return new Tokens(terms, pos.stream().map(x -> x - first).collect(Collectors.toList()), single);
  }

  // ------------------------------------------------------------------ rules

  record Keyword(String text, boolean caseSensitive, boolean regex) {}

  static final class Rule {
    String id;
    String tag;
    String file;
    List<Keyword> any = new ArrayList<>();
    List<List<Keyword>> all = new ArrayList<>();
    List<Keyword> not = new ArrayList<>();
    List<Keyword> except = new ArrayList<>();
    double titleWeight = 2.0;
    double minScore = 1.0;
  }

  static List<Path> ruleFiles(String spec) throws IOException {
    List<Path> out = new ArrayList<>();
    for (String s : spec.split(",")) {
      Path p = Paths.get(s);
      if (Files.isDirectory(p)) {
        try (Stream<Path> st = Files.list(p)) {
          st.filter(f -> f.getFileName().toString().endsWith(".yaml")).sorted().forEach(out::add);
        }
      } else {
        out.add(p);
      }
    }
    if (out.isEmpty()) die("no *.yaml rule files in " + spec);
    return out;
  }

  static Keyword keyword(Object o, boolean regex, String where) {
    if (o instanceof String s) return new Keyword(s, false, regex);
    if (o instanceof Number || o instanceof Boolean) return new Keyword(String.valueOf(o), false, regex);
    if (o instanceof Map<?, ?> m && m.get("kw") != null) {
      return new Keyword(String.valueOf(m.get("kw")), Boolean.TRUE.equals(m.get("case")), regex);
    }
    die(where + ": bad keyword " + o);
    return null;
  }

  static List<Keyword> keywords(Object o, boolean regex, String where) {
    List<Keyword> out = new ArrayList<>();
    if (o == null) return out;
    if (!(o instanceof List<?> l)) {
      die(where + ": expected a list");
      return out;
    }
    for (Object x : l) out.add(keyword(x, regex, where));
    return out;
  }

  static double number(Object o, double dflt) {
    return o instanceof Number n ? n.doubleValue() : dflt;
  }

  /** Feed-label entries of label tables (labels.yaml) in the rule directory: not text rules, skipped. */
  static int labelEntriesSkipped = 0;

  @SuppressWarnings("unchecked")
  static List<Rule> loadRules(String spec) throws IOException {
    List<Rule> rules = new ArrayList<>();
    for (Path f : ruleFiles(spec)) {
      Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
      Object root;
      try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
        root = yaml.load(r);
      }
      // A feed-label table (labels.yaml: feed field + name -> tags) has no text
      // rules: the Monitor sees only title and body, so it is left out (counted).
      if (root instanceof Map<?, ?> lm && lm.get("rules") == null && lm.get("labels") instanceof List<?> ll) {
        labelEntriesSkipped += ll.size();
        continue;
      }
      if (!(root instanceof Map<?, ?> m) || !(m.get("rules") instanceof List<?> list)) {
        die(f + ": expected a mapping with a `rules` list");
        return rules;
      }
      String stem = f.getFileName().toString().replaceFirst("\\.yaml$", "");
      for (int i = 0; i < list.size(); i++) {
        Map<String, Object> rm = (Map<String, Object>) list.get(i);
        String where = f + ": rule " + i;
        Rule r = new Rule();
        r.id = stem + "/" + i;
        r.file = f.toString();
        r.tag = String.valueOf(rm.get("tag"));
        r.any.addAll(keywords(rm.get("any"), false, where));
        r.any.addAll(keywords(rm.get("regex"), true, where)); // counted like `any` keywords
        if (rm.get("all") instanceof List<?> groups) {
          for (Object g : groups) r.all.add(keywords(g, false, where));
        }
        r.not.addAll(keywords(rm.get("not"), false, where));
        r.except.addAll(keywords(rm.get("except"), false, where));
        r.titleWeight = number(rm.get("title_weight"), 2.0);
        r.minScore = number(rm.get("min_score"), 1.0);
        rules.add(r);
      }
    }
    return rules;
  }

  // ------------------------------------------------------------------ translation

  /** What the translation could not express exactly (counted over distinct keywords / rules). */
  static final class Notes {
    final Map<String, Integer> counts = new TreeMap<>();
    final Map<String, List<String>> examples = new TreeMap<>();
    final java.util.Set<String> seen = new java.util.HashSet<>();

    void add(String what, String example) {
      if (!seen.add(what + "\u0000" + example)) return;
      counts.merge(what, 1, Integer::sum);
      List<String> ex = examples.computeIfAbsent(what, k -> new ArrayList<>());
      if (ex.size() < 5) ex.add(example);
    }
  }

  static final class Translator {
    final Analyzer an;
    final Notes notes = new Notes();
    final java.util.Set<String> seenKeyword = new java.util.HashSet<>();
    boolean needTitleField = false;

    Translator(Analyzer an) {
      this.an = an;
    }

    /** Lowercase + full-width ASCII folded: the form in which containment of keywords is tested. */
    static String fold(String s) {
      StringBuilder b = new StringBuilder(s.length());
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c >= '\uFF01' && c <= '\uFF5E') c = (char) (c - 0xFEE0);
        b.append(Character.toLowerCase(c));
      }
      return b.toString();
    }

    void noteKeyword(Keyword k, Tokens t) {
      if (!seenKeyword.add(k.text() + "\u0000" + k.caseSensitive() + k.regex())) return;
      if (k.caseSensitive()) notes.add("case_sensitive_keyword_matched_caselessly", k.text());
      boolean punct = false;
      for (int i = 0; i < k.text().length(); ) {
        int cp = k.text().codePointAt(i);
        if (!Character.isLetterOrDigit(cp) && NewsAnalyzer.SYMBOLS.indexOf(cp) < 0
            && NewsAnalyzer.SYMBOLS.indexOf(cp - 0xFEE0) < 0) punct = true;
        i += Character.charCount(cp);
      }
      if (punct && !t.isEmpty()) notes.add("keyword_punctuation_or_space_ignored", k.text());
    }

    Query phrase(String field, Tokens t) {
      PhraseQuery.Builder b = new PhraseQuery.Builder();
      for (int i = 0; i < t.terms().size(); i++) b.add(new Term(field, t.terms().get(i)), t.positions().get(i));
      return b.build();
    }

    /** Token i of t as a span: the term, or for a lone Han character at an edge also the bigrams
     * that continue it outside the keyword (?X at the start, X? at the end). */
    static SpanQuery spanToken(String field, Tokens t, int i) {
      String x = t.terms().get(i);
      SpanQuery exact = new SpanTermQuery(new Term(field, x));
      if (!t.singleHan().get(i)) return exact;
      List<SpanQuery> alts = new ArrayList<>();
      alts.add(exact);
      if (i == 0) alts.add(new SpanMultiTermQueryWrapper<>(new WildcardQuery(new Term(field, "?" + x))));
      if (i == t.terms().size() - 1) {
        alts.add(new SpanMultiTermQueryWrapper<>(new WildcardQuery(new Term(field, x + "?"))));
      }
      return alts.size() == 1 ? exact : new SpanOrQuery(alts.toArray(new SpanQuery[0]));
    }

    SpanQuery spanPhrase(String field, Tokens t) {
      if (t.terms().size() == 1) return spanToken(field, t, 0);
      SpanQuery[] c = new SpanQuery[t.terms().size()];
      for (int i = 0; i < c.length; i++) c[i] = spanToken(field, t, i);
      int span = t.positions().get(c.length - 1) - t.positions().get(0);
      return new SpanNearQuery(c, span - (c.length - 1), true);
    }

    /** The except phrases of the rule that contain the keyword (only those can contain a hit). */
    List<Tokens> relevantExcepts(Rule r, Keyword k) throws IOException {
      List<Tokens> out = new ArrayList<>();
      String fk = fold(k.text());
      Tokens tk = null;
      for (Keyword e : r.except) {
        // a hit of k lies inside a hit of e only if e contains k
        if (!fold(e.text()).contains(fk)) continue;
        Tokens te = analyze(an, e.text());
        if (te.isEmpty()) continue;
        if (tk == null) tk = analyze(an, k.text());
        if (te.terms().equals(tk.terms())) {
          // e differs from k only in what the tokenizer drops (quotes: “游戏” vs 游戏): as a
          // Lucene phrase it would veto every hit of k, so it is left out (k over-matches there)
          notes.add("except_same_tokens_as_keyword_ignored", e.text() + " ~ " + k.text());
          continue;
        }
        out.add(te);
      }
      return out;
    }

    /**
     * The hits of keyword k in `field` that do not lie inside a hit of one of the rule's except
     * phrases, as spans (SpanNot of k and "k within an except phrase").
     */
    SpanQuery keywordSpans(String field, Tokens tk, List<Tokens> excepts) {
      SpanQuery k = spanPhrase(field, tk);
      if (excepts.isEmpty()) return k;
      List<SpanQuery> ex = new ArrayList<>();
      for (Tokens e : excepts) ex.add(spanPhrase(field, e));
      SpanQuery big = ex.size() == 1 ? ex.get(0) : new SpanOrQuery(ex.toArray(new SpanQuery[0]));
      return new SpanNotQuery(k, new SpanWithinQuery(big, spanPhrase(field, tk)));
    }

    /** One keyword of `any` / an `all` group: does it hit (outside except phrases)? null: dropped. */
    Query keywordQuery(Rule r, Keyword k, String field, boolean applyExcept) throws IOException {
      if (k.regex()) {
        notes.add("regex_keyword_dropped", k.text());
        return null;
      }
      Tokens t = analyze(an, k.text());
      noteKeyword(k, t);
      if (t.isEmpty()) {
        notes.add("keyword_without_tokens_dropped", k.text());
        return null;
      }
      List<Tokens> ex = applyExcept ? relevantExcepts(r, k) : List.of();
      if (t.hasEdgeSingle()) notes.add("keyword_edge_han_char_as_wildcard_span", k.text());
      if (ex.isEmpty() && !t.hasEdgeSingle()) return phrase(field, t);
      if (!ex.isEmpty()) notes.add("keyword_with_except_as_span_not", k.text());
      return keywordSpans(field, t, ex);
    }

    static Query or(List<Query> qs, int minShouldMatch) {
      BooleanQuery.Builder b = new BooleanQuery.Builder();
      for (Query q : qs) b.add(q, Occur.SHOULD);
      b.setMinimumNumberShouldMatch(minShouldMatch);
      return b.build();
    }

    /**
     * score >= min_score, for min_score > 1. Each distinct keyword that hits adds 1 (title_weight if
     * it hits in the title) plus 0.25 per repeat up to +1. Expressed as a disjunction of sufficient
     * conditions: (a) ceil(min_score) distinct keywords hit; (b) title_weight >= min_score and a
     * keyword hits in the title; (c) 1 + 1.0 >= min_score and one keyword hits r = 1 +
     * ceil((min_score-1)/0.25) times (ordered SpanNear of r copies, any distance apart). Exact when
     * min_score <= 2 and title_weight >= min_score; otherwise it can miss scores reached only by
     * mixing title weight, repeats and several keywords.
     */
    Query scoreQuery(Rule r, List<Keyword> scored) throws IOException {
      double m = r.minScore;
      List<Query> alts = new ArrayList<>();
      List<Query> each = new ArrayList<>();
      for (Keyword k : scored) {
        Query q = keywordQuery(r, k, TEXT, true);
        if (q != null) each.add(q);
      }
      int need = (int) Math.ceil(m - 1e-9);
      if (need <= each.size() && need >= 2) alts.add(or(each, need));
      if (r.titleWeight >= m) {
        List<Query> inTitle = new ArrayList<>();
        for (Keyword k : scored) {
          Query q = keywordQuery(r, k, TITLE, true);
          if (q != null) inTitle.add(q);
        }
        if (!inTitle.isEmpty()) {
          alts.add(or(inTitle, 1));
          needTitleField = true;
        }
      }
      double maxBonus = REPEAT_BONUS * MAX_REPEATS_SCORED;
      if (1.0 + maxBonus >= m - 1e-9) {
        int reps = 1 + (int) Math.ceil((m - 1.0) / REPEAT_BONUS - 1e-9);
        for (Keyword k : scored) {
          if (k.regex()) continue;
          Tokens t = analyze(an, k.text());
          if (t.isEmpty()) continue;
          SpanQuery one = keywordSpans(TEXT, t, relevantExcepts(r, k));
          SpanQuery[] copies = new SpanQuery[reps];
          Arrays.fill(copies, one);
          alts.add(new SpanNearQuery(copies, FAR, true));
        }
      }
      boolean exact = m <= 2.0 + 1e-9 && r.titleWeight >= m;
      notes.add(exact ? "min_score_exact_without_scoring" : "min_score_lower_bound", r.id + " (" + r.tag + ")");
      if (alts.isEmpty()) return null;
      return alts.size() == 1 ? alts.get(0) : or(alts, 1);
    }

    /** The rule as one Lucene query; null when nothing of it can be expressed. */
    Query rule(Rule r) throws IOException {
      BooleanQuery.Builder b = new BooleanQuery.Builder();
      int positive = 0;
      // keywords that add to the score, each once
      LinkedHashMap<String, Keyword> scored = new LinkedHashMap<>();
      if (!r.any.isEmpty()) {
        List<Query> qs = new ArrayList<>();
        for (Keyword k : r.any) {
          scored.putIfAbsent(k.text() + "\u0000" + k.regex(), k);
          Query q = keywordQuery(r, k, TEXT, true);
          if (q != null) qs.add(q);
        }
        if (qs.isEmpty()) return null; // `any` can never hit
        b.add(qs.size() == 1 ? qs.get(0) : or(qs, 1), Occur.MUST);
        positive++;
      }
      for (List<Keyword> g : r.all) {
        List<Query> qs = new ArrayList<>();
        for (Keyword k : g) {
          scored.putIfAbsent(k.text() + "\u0000" + k.regex(), k);
          Query q = keywordQuery(r, k, TEXT, true);
          if (q != null) qs.add(q);
        }
        if (qs.isEmpty()) return null; // this group can never hit
        b.add(qs.size() == 1 ? qs.get(0) : or(qs, 1), Occur.MUST);
        positive++;
      }
      if (positive == 0) return null;
      for (Keyword k : r.not) {
        // veto: any hit anywhere, except phrases do not apply to it
        Query q = keywordQuery(r, k, TEXT, false);
        if (q != null) b.add(q, Occur.MUST_NOT);
      }
      if (r.minScore > 1.0 + 1e-9) {
        Query s = scoreQuery(r, new ArrayList<>(scored.values()));
        if (s == null) return null;
        b.add(s, Occur.MUST);
      }
      if (r.titleWeight != 2.0 && r.minScore <= 1.0) notes.add("title_weight_irrelevant_at_min_score_1", r.id);
      return b.build();
    }
  }

  // ------------------------------------------------------------------ documents

  record Doc(String title, String body, long bytes) {}

  static byte[] readAll(String path) throws IOException {
    try (InputStream in = path.endsWith(".gz")
        ? new GZIPInputStream(Files.newInputStream(Paths.get(path)), 1 << 16)
        : Files.newInputStream(Paths.get(path))) {
      return in.readAllBytes();
    }
  }

  static long utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /** Split on '\n' only; a final newline makes no extra document (the peer contract's rule). */
  static List<String> lines(String data) {
    List<String> out = new ArrayList<>(Arrays.asList(data.split("\n", -1)));
    if (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) out.remove(out.size() - 1);
    return out;
  }

  static List<Doc> loadDocs(String path, String format) throws IOException {
    String data = new String(readAll(path), StandardCharsets.UTF_8);
    List<Doc> docs = new ArrayList<>();
    if (format.equals("text")) {
      // one document per line: TITLE<TAB>BODY, or BODY alone when the line has no TAB
      for (String line : lines(data)) {
        int tab = line.indexOf('\t');
        String title = tab >= 0 ? line.substring(0, tab) : "";
        String body = tab >= 0 ? line.substring(tab + 1) : line;
        docs.add(new Doc(title, body, utf8(line)));
      }
      return docs;
    }
    JsonFactory jf = new JsonFactory();
    int n = 0;
    for (String line : lines(data)) {
      n++;
      if (line.isBlank()) continue;
      String title = "", body = "";
      try (JsonParser p = jf.createParser(line)) {
        if (p.nextToken() != JsonToken.START_OBJECT) die(path + ":" + n + ": not a JSON object");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          JsonToken t = p.nextToken();
          if (t == JsonToken.VALUE_STRING && name.equals("title")) title = p.getText();
          else if (t == JsonToken.VALUE_STRING && name.equals("body")) body = p.getText();
          else p.skipChildren();
        }
      }
      // bytes as the contract's docs file would hold it: TITLE<TAB>BODY
      docs.add(new Doc(title, body, utf8(title) + 1 + utf8(body)));
    }
    return docs;
  }

  static Document luceneDoc(Doc d, boolean titleField) {
    Document doc = new Document();
    doc.add(new TextField(TEXT, d.title(), Field.Store.NO));
    doc.add(new TextField(TEXT, d.body(), Field.Store.NO));
    if (titleField) doc.add(new TextField(TITLE, d.title(), Field.Store.NO));
    return doc;
  }

  // ------------------------------------------------------------------ matching

  /** Runs one full pass; returns {distinct (doc, tag) pairs, (doc, rule) matches, errors}. */
  static long[] pass(Monitor monitor, Document[] docs, int batch, Map<String, Integer> tagOfRule, int ntags,
      int[] stamp, int[] stampGen, List<int[]> collect) throws IOException {
    long pairs = 0, matches = 0, errors = 0, run = 0, buildNs = 0, searchNs = 0;
    for (int start = 0; start < docs.length; start += batch) {
      int end = Math.min(docs.length, start + batch);
      if (batch == 1) {
        MatchingQueries<QueryMatch> r = monitor.match(docs[start], QueryMatch.SIMPLE_MATCHER);
        errors += r.getErrors().size();
        run += r.getQueriesRun();
        buildNs += r.getQueryBuildTime();
        searchNs += r.getSearchTime();
        stampGen[0]++;
        for (QueryMatch m : r.getMatches()) {
          matches++;
          int t = tagOfRule.get(m.getQueryId());
          if (stamp[t] != stampGen[0]) {
            stamp[t] = stampGen[0];
            pairs++;
            if (collect != null) collect.add(new int[] {start, t});
          }
        }
      } else {
        MultiMatchingQueries<QueryMatch> r =
            monitor.match(Arrays.copyOfRange(docs, start, end), QueryMatch.SIMPLE_MATCHER);
        errors += r.getErrors().size();
        run += r.getQueriesRun();
        buildNs += r.getQueryBuildTime();
        searchNs += r.getSearchTime();
        for (int i = 0; i < end - start; i++) {
          stampGen[0]++;
          for (QueryMatch m : r.getMatches(i)) {
            matches++;
            int t = tagOfRule.get(m.getQueryId());
            if (stamp[t] != stampGen[0]) {
              stamp[t] = stampGen[0];
              pairs++;
              if (collect != null) collect.add(new int[] {start + i, t});
            }
          }
        }
      }
    }
    return new long[] {pairs, matches, errors, run, buildNs, searchNs};
  }

  // ------------------------------------------------------------------ JSON out

  static String js(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
        }
      }
    }
    return b.append('"').toString();
  }

  static String jn(double x) {
    return Double.isFinite(x) ? String.format(Locale.ROOT, "%.9f", x) : "null";
  }

  // ------------------------------------------------------------------ main

  public static void main(String[] argv) throws Exception {
    Args a = parseArgs(argv);

    // ---- load (untimed) ----
    List<Rule> rules = loadRules(a.rules);
    List<Doc> docs = loadDocs(a.docs, a.format);
    long bytes = docs.stream().mapToLong(Doc::bytes).sum();

    // ---- translate YAML rules to Lucene queries (timed on its own) ----
    Analyzer analyzer = new NewsAnalyzer(a.htmlStrip);
    long t0 = System.nanoTime();
    Translator tr = new Translator(analyzer);
    List<MonitorQuery> mqs = new ArrayList<>();
    List<String> tags = rules.stream().map(r -> r.tag).distinct().sorted().collect(Collectors.toList());
    Map<String, Integer> tagIndex = new HashMap<>();
    for (int i = 0; i < tags.size(); i++) tagIndex.put(tags.get(i), i);
    Map<String, Integer> tagOfRule = new HashMap<>();
    List<String> dropped = new ArrayList<>();
    for (Rule r : rules) {
      Query q = tr.rule(r);
      if (q == null) {
        dropped.add(r.id);
        continue;
      }
      mqs.add(new MonitorQuery(r.id, q, null, Map.of("tag", r.tag)));
      tagOfRule.put(r.id, tagIndex.get(r.tag));
    }
    double translateSeconds = (System.nanoTime() - t0) / 1e9;

    // ---- build the monitor (timed): query index over every rule ----
    t0 = System.nanoTime();
    Presearcher ps = a.presearcher.equals("multipass")
        ? new MultipassTermFilteredPresearcher(2) : new TermFilteredPresearcher();
    Monitor monitor = new Monitor(analyzer, ps);
    monitor.register(mqs);
    double buildSeconds = (System.nanoTime() - t0) / 1e9;

    if (a.dumpQueries != null) {
      try (Writer w = Files.newBufferedWriter(Paths.get(a.dumpQueries), StandardCharsets.UTF_8)) {
        for (MonitorQuery q : mqs) {
          w.write(q.getId() + "\t" + q.getMetadata().get("tag") + "\t" + q.getQuery().toString() + "\n");
        }
      }
    }

    Document[] ldocs = new Document[docs.size()];
    for (int i = 0; i < ldocs.length; i++) ldocs[i] = luceneDoc(docs.get(i), tr.needTitleField);

    // ---- match: warm-up passes, then N timed passes, best reported ----
    int[] stamp = new int[tags.size()];
    int[] gen = {0};
    double[] secs = new double[a.iterations];
    long pairs = -1, matches = -1, errors = 0;
    long[] last = null;
    for (int it = 0; it < a.warmup + a.iterations; it++) {
      long s = System.nanoTime();
      long[] r = pass(monitor, ldocs, a.batch, tagOfRule, tags.size(), stamp, gen, null);
      double el = (System.nanoTime() - s) / 1e9;
      if (pairs >= 0 && (r[0] != pairs || r[1] != matches)) {
        die("match counts changed between passes: " + pairs + "/" + matches + " vs " + r[0] + "/" + r[1]);
      }
      pairs = r[0];
      matches = r[1];
      errors = Math.max(errors, r[2]);
      last = r;
      if (it >= a.warmup) secs[it - a.warmup] = el;
    }
    double[] sorted = secs.clone();
    Arrays.sort(sorted);
    double best = sorted[0];
    double median = sorted[sorted.length / 2];

    // ---- optional dump (untimed, separate pass) ----
    if (a.dumpTags != null) {
      List<int[]> got = new ArrayList<>();
      pass(monitor, ldocs, a.batch, tagOfRule, tags.size(), stamp, gen, got);
      got.sort((x, y) -> x[0] != y[0] ? Integer.compare(x[0], y[0]) : tags.get(x[1]).compareTo(tags.get(y[1])));
      try (BufferedWriter w = Files.newBufferedWriter(Paths.get(a.dumpTags), StandardCharsets.UTF_8)) {
        for (int[] p : got) w.write(p[0] + "\t" + tags.get(p[1]) + "\n");
      }
    }

    StringBuilder notes = new StringBuilder("{");
    boolean first = true;
    for (Map.Entry<String, Integer> e : tr.notes.counts.entrySet()) {
      if (!first) notes.append(", ");
      first = false;
      notes.append(js(e.getKey())).append(": {\"count\": ").append(e.getValue()).append(", \"examples\": [")
          .append(tr.notes.examples.get(e.getKey()).stream().map(LuceneMonitorPeer::js).collect(Collectors.joining(", ")))
          .append("]}");
    }
    notes.append("}");
    String json = "{\"engine\": \"lucene-monitor\""
        + ", \"lucene\": " + js(Version.LATEST.toString())
        + ", \"java\": " + js(System.getProperty("java.version"))
        + ", \"analyzer\": " + js((a.htmlStrip ? "HTMLStrip+" : "") + "SymbolMap+Standard+CJKWidth+LowerCase+CJKBigram")
        + ", \"presearcher\": " + js(a.presearcher)
        + ", \"batch\": " + a.batch
        + ", \"format\": " + js(a.format)
        + ", \"docs\": " + docs.size()
        + ", \"bytes\": " + bytes
        + ", \"rules\": " + rules.size()
        + ", \"queries\": " + monitor.getQueryCount()
        + ", \"disjuncts\": " + monitor.getDisjunctCount()
        + ", \"rules_dropped\": " + dropped.size()
        + ", \"label_entries_skipped\": " + labelEntriesSkipped
        + ", \"tags\": " + tags.size()
        + ", \"warmup\": " + a.warmup
        + ", \"iterations\": " + a.iterations
        + ", \"translate_seconds\": " + jn(translateSeconds)
        + ", \"build_seconds\": " + jn(buildSeconds)
        + ", \"seconds\": " + jn(best)
        + ", \"median_seconds\": " + jn(median)
        + ", \"bytes_per_second\": " + jn(bytes / best)
        + ", \"items_per_second\": " + jn(docs.size() / best)
        + ", \"pairs\": " + pairs
        + ", \"matches\": " + matches
        + ", \"match_errors\": " + errors
        + ", \"queries_run\": " + last[3]
        + ", \"monitor_query_build_time\": " + last[4]
        + ", \"monitor_search_time\": " + last[5]
        + ", \"translation\": " + notes
        + "}";
    System.out.println(json);
    monitor.close();
  }
}
