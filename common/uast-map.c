/*
 * The mapping from each grammar's node types to the UAST vocabulary.
 * cf-uast(7) documents it; keep the two in step.
 *
 * The generic rules apply to every language (a type a grammar does not
 * have is ignored); a language's own rules come first and win.  A rule
 * with a parent applies only under a node of that type.
 */
#include "uast-map.h"

#define R(ts, type, how) { ts, NULL, type, how, 0 }
#define RR(ts, type, how, roles) { ts, NULL, type, how, roles }
#define RP(ts, parent, type, how) { ts, parent, type, how, 0 }

const struct uast_rule uast_generic_rules[] = {
	/* functions and classes */
	R("function_declaration", CF_UAST_FUNCTION, H_NAME),
	R("generator_function_declaration", CF_UAST_FUNCTION, H_NAME),
	R("function_definition", CF_UAST_FUNCTION, H_NAME),
	R("method_declaration", CF_UAST_FUNCTION, H_NAME),
	R("method_definition", CF_UAST_FUNCTION, H_NAME),
	R("constructor_declaration", CF_UAST_FUNCTION, H_NAME),
	R("function_item", CF_UAST_FUNCTION, H_NAME),
	R("local_function_statement", CF_UAST_FUNCTION, H_NAME),
	R("arrow_function", CF_UAST_LAMBDA, H_LAMBDA),
	R("function_expression", CF_UAST_LAMBDA, H_LAMBDA),
	R("generator_function", CF_UAST_LAMBDA, H_LAMBDA),
	R("func_literal", CF_UAST_LAMBDA, H_LAMBDA),
	R("lambda", CF_UAST_LAMBDA, H_LAMBDA),
	R("lambda_expression", CF_UAST_LAMBDA, H_LAMBDA),
	R("closure_expression", CF_UAST_LAMBDA, H_LAMBDA),
	R("anonymous_function", CF_UAST_LAMBDA, H_LAMBDA),
	R("anonymous_method_expression", CF_UAST_LAMBDA, H_LAMBDA),
	R("class_declaration", CF_UAST_CLASS, H_NAME),
	R("abstract_class_declaration", CF_UAST_CLASS, H_NAME),
	R("class_definition", CF_UAST_CLASS, H_NAME),
	R("interface_declaration", CF_UAST_CLASS, H_NAME),
	R("enum_declaration", CF_UAST_CLASS, H_NAME),
	R("record_declaration", CF_UAST_CLASS, H_NAME),
	R("struct_declaration", CF_UAST_CLASS, H_NAME),
	R("trait_declaration", CF_UAST_CLASS, H_NAME),
	R("struct_item", CF_UAST_CLASS, H_NAME),
	R("enum_item", CF_UAST_CLASS, H_NAME),
	R("trait_item", CF_UAST_CLASS, H_NAME),
	R("impl_item", CF_UAST_CLASS, H_TYPE_FIELD),
	R("class_specifier", CF_UAST_CLASS, H_CLASS_BODY),
	R("struct_specifier", CF_UAST_CLASS, H_CLASS_BODY),
	R("union_specifier", CF_UAST_CLASS, H_CLASS_BODY),
	R("field_declaration", CF_UAST_FIELD, H_FIELD),
	R("public_field_definition", CF_UAST_FIELD, H_NAME),
	R("field_definition", CF_UAST_FIELD, H_FIELD),
	R("property_declaration", CF_UAST_FIELD, H_FIELD),

	/* control flow */
	R("if_statement", CF_UAST_IF, H_NONE),
	R("if_expression", CF_UAST_IF, H_NONE),
	R("else_clause", CF_UAST_ELSE, H_ELSE),
	RR("elif_clause", CF_UAST_IF, H_NONE, CF_ROLE_ELSEIF),
	RR("else_if_clause", CF_UAST_IF, H_NONE, CF_ROLE_ELSEIF),
	R("for_statement", CF_UAST_LOOP, H_NONE),
	R("for_in_statement", CF_UAST_LOOP, H_NONE),
	R("for_range_loop", CF_UAST_LOOP, H_NONE),
	R("enhanced_for_statement", CF_UAST_LOOP, H_NONE),
	R("foreach_statement", CF_UAST_LOOP, H_NONE),
	R("c_style_for_statement", CF_UAST_LOOP, H_NONE),
	R("while_statement", CF_UAST_LOOP, H_NONE),
	R("do_statement", CF_UAST_LOOP, H_NONE),
	R("for_expression", CF_UAST_LOOP, H_NONE),
	R("while_expression", CF_UAST_LOOP, H_NONE),
	R("loop_expression", CF_UAST_LOOP, H_NONE),
	R("switch_statement", CF_UAST_SWITCH, H_NONE),
	R("expression_switch_statement", CF_UAST_SWITCH, H_NONE),
	R("type_switch_statement", CF_UAST_SWITCH, H_NONE),
	R("select_statement", CF_UAST_SWITCH, H_NONE),
	R("switch_expression", CF_UAST_SWITCH, H_NONE),
	R("match_expression", CF_UAST_SWITCH, H_NONE),
	R("match_statement", CF_UAST_SWITCH, H_NONE),
	R("case_statement", CF_UAST_SWITCH, H_NONE),	/* bash; C's is below */
	R("expression_case", CF_UAST_CASE, H_CASE),
	R("type_case", CF_UAST_CASE, H_CASE),
	R("communication_case", CF_UAST_CASE, H_CASE),
	RR("default_case", CF_UAST_CASE, H_NONE, CF_ROLE_DEFAULT),
	R("switch_case", CF_UAST_CASE, H_CASE),
	RR("switch_default", CF_UAST_CASE, H_NONE, CF_ROLE_DEFAULT),
	R("switch_label", CF_UAST_CASE, H_CASE),
	R("switch_section", CF_UAST_CASE, H_CASE),
	R("switch_expression_arm", CF_UAST_CASE, H_CASE),
	R("match_arm", CF_UAST_CASE, H_CASE),
	R("case_clause", CF_UAST_CASE, H_CASE),
	R("case_item", CF_UAST_CASE, H_CASE),
	R("match_conditional_expression", CF_UAST_CASE, H_CASE),
	RR("match_default_expression", CF_UAST_CASE, H_NONE, CF_ROLE_DEFAULT),
	R("try_statement", CF_UAST_TRY, H_NONE),
	R("try_with_resources_statement", CF_UAST_TRY, H_NONE),
	R("catch_clause", CF_UAST_CATCH, H_NONE),
	R("except_clause", CF_UAST_CATCH, H_NONE),
	R("return_statement", CF_UAST_RETURN, H_NONE),
	R("return_expression", CF_UAST_RETURN, H_NONE),
	R("break_statement", CF_UAST_BREAK, H_NONE),
	R("break_expression", CF_UAST_BREAK, H_NONE),
	R("continue_statement", CF_UAST_CONTINUE, H_NONE),
	R("continue_expression", CF_UAST_CONTINUE, H_NONE),
	R("goto_statement", CF_UAST_GOTO, H_NONE),
	R("throw_statement", CF_UAST_THROW, H_NONE),
	R("throw_expression", CF_UAST_THROW, H_NONE),
	R("raise_statement", CF_UAST_THROW, H_NONE),
	R("conditional_expression", CF_UAST_TERNARY, H_NONE),
	R("ternary_expression", CF_UAST_TERNARY, H_NONE),

	/* expressions */
	R("binary_expression", CF_UAST_BINARY, H_OP),
	R("binary_operator", CF_UAST_BINARY, H_OP),
	R("boolean_operator", CF_UAST_BINARY, H_OP),
	R("comparison_operator", CF_UAST_BINARY, H_OP),
	R("unary_expression", CF_UAST_UNARY, H_OP),
	R("unary_operator", CF_UAST_UNARY, H_OP),
	R("not_operator", CF_UAST_UNARY, H_OP),
	R("update_expression", CF_UAST_UNARY, H_OP),
	R("pointer_expression", CF_UAST_UNARY, H_OP),
	R("prefix_unary_expression", CF_UAST_UNARY, H_OP),
	R("postfix_unary_expression", CF_UAST_UNARY, H_OP),
	R("unary_op_expression", CF_UAST_UNARY, H_OP),
	R("inc_statement", CF_UAST_UNARY, H_OP),
	R("dec_statement", CF_UAST_UNARY, H_OP),
	R("assignment_expression", CF_UAST_ASSIGN, H_OP),
	R("augmented_assignment_expression", CF_UAST_ASSIGN, H_OP),
	R("compound_assignment_expr", CF_UAST_ASSIGN, H_OP),
	R("assignment", CF_UAST_ASSIGN, H_OP),
	R("augmented_assignment", CF_UAST_ASSIGN, H_OP),
	R("assignment_statement", CF_UAST_ASSIGN, H_OP),
	R("short_var_declaration", CF_UAST_ASSIGN, H_OP),
	R("init_declarator", CF_UAST_ASSIGN, H_OP),
	R("variable_declarator", CF_UAST_ASSIGN, H_ASSIGN_VALUE),
	R("let_declaration", CF_UAST_ASSIGN, H_ASSIGN_VALUE),
	R("call_expression", CF_UAST_CALL, H_CALL),
	R("call", CF_UAST_CALL, H_CALL),
	R("method_invocation", CF_UAST_CALL, H_CALL),
	R("invocation_expression", CF_UAST_CALL, H_CALL),
	R("function_call_expression", CF_UAST_CALL, H_CALL),
	R("member_call_expression", CF_UAST_CALL, H_CALL),
	R("scoped_call_expression", CF_UAST_CALL, H_CALL),
	R("macro_invocation", CF_UAST_CALL, H_CALL),
	R("subscript_expression", CF_UAST_INDEX, H_NONE),
	R("subscript", CF_UAST_INDEX, H_NONE),
	R("index_expression", CF_UAST_INDEX, H_NONE),
	R("array_access", CF_UAST_INDEX, H_NONE),
	R("element_access_expression", CF_UAST_INDEX, H_NONE),
	R("element_reference", CF_UAST_INDEX, H_NONE),
	R("selector_expression", CF_UAST_MEMBER, H_MEMBER),
	R("member_expression", CF_UAST_MEMBER, H_MEMBER),
	R("field_expression", CF_UAST_MEMBER, H_MEMBER),
	R("field_access", CF_UAST_MEMBER, H_MEMBER),
	R("member_access_expression", CF_UAST_MEMBER, H_MEMBER),

	/* leaves */
	R("identifier", CF_UAST_IDENT, H_TEXT),
	R("field_identifier", CF_UAST_IDENT, H_TEXT),
	R("property_identifier", CF_UAST_IDENT, H_TEXT),
	R("private_property_identifier", CF_UAST_IDENT, H_TEXT),
	R("shorthand_property_identifier", CF_UAST_IDENT, H_TEXT),
	R("shorthand_property_identifier_pattern", CF_UAST_IDENT, H_TEXT),
	R("package_identifier", CF_UAST_IDENT, H_TEXT),
	R("namespace_identifier", CF_UAST_IDENT, H_TEXT),
	R("statement_identifier", CF_UAST_IDENT, H_TEXT),
	R("this", CF_UAST_IDENT, H_TEXT),
	R("self", CF_UAST_IDENT, H_TEXT),
	R("constant", CF_UAST_IDENT, H_TEXT),
	R("variable_name", CF_UAST_IDENT, H_TEXT),
	R("number_literal", CF_UAST_LITERAL, H_TEXT),
	R("string_literal", CF_UAST_LITERAL, H_TEXT),
	R("char_literal", CF_UAST_LITERAL, H_TEXT),
	R("character_literal", CF_UAST_LITERAL, H_TEXT),
	R("concatenated_string", CF_UAST_LITERAL, H_TEXT),
	R("system_lib_string", CF_UAST_LITERAL, H_TEXT),
	R("raw_string_literal", CF_UAST_LITERAL, H_TEXT),
	R("interpreted_string_literal", CF_UAST_LITERAL, H_TEXT),
	R("int_literal", CF_UAST_LITERAL, H_TEXT),
	R("float_literal", CF_UAST_LITERAL, H_TEXT),
	R("imaginary_literal", CF_UAST_LITERAL, H_TEXT),
	R("rune_literal", CF_UAST_LITERAL, H_TEXT),
	R("integer_literal", CF_UAST_LITERAL, H_TEXT),
	R("real_literal", CF_UAST_LITERAL, H_TEXT),
	R("boolean_literal", CF_UAST_LITERAL, H_TEXT),
	R("null_literal", CF_UAST_LITERAL, H_TEXT),
	R("verbatim_string_literal", CF_UAST_LITERAL, H_TEXT),
	R("interpolated_string_expression", CF_UAST_LITERAL, H_TEXT),
	R("decimal_integer_literal", CF_UAST_LITERAL, H_TEXT),
	R("hex_integer_literal", CF_UAST_LITERAL, H_TEXT),
	R("octal_integer_literal", CF_UAST_LITERAL, H_TEXT),
	R("binary_integer_literal", CF_UAST_LITERAL, H_TEXT),
	R("decimal_floating_point_literal", CF_UAST_LITERAL, H_TEXT),
	R("hex_floating_point_literal", CF_UAST_LITERAL, H_TEXT),
	R("text_block", CF_UAST_LITERAL, H_TEXT),
	R("integer", CF_UAST_LITERAL, H_TEXT),
	R("float", CF_UAST_LITERAL, H_TEXT),
	R("number", CF_UAST_LITERAL, H_TEXT),
	R("string", CF_UAST_LITERAL, H_TEXT),
	R("template_string", CF_UAST_LITERAL, H_TEXT),
	R("regex", CF_UAST_LITERAL, H_TEXT),
	R("encapsed_string", CF_UAST_LITERAL, H_TEXT),
	R("heredoc", CF_UAST_LITERAL, H_TEXT),
	R("nowdoc", CF_UAST_LITERAL, H_TEXT),
	R("raw_string", CF_UAST_LITERAL, H_TEXT),
	R("ansi_c_string", CF_UAST_LITERAL, H_TEXT),
	R("true", CF_UAST_LITERAL, H_TEXT),
	R("false", CF_UAST_LITERAL, H_TEXT),
	R("null", CF_UAST_LITERAL, H_TEXT),
	R("nullptr", CF_UAST_LITERAL, H_TEXT),
	R("nil", CF_UAST_LITERAL, H_TEXT),
	R("none", CF_UAST_LITERAL, H_TEXT),
	R("undefined", CF_UAST_LITERAL, H_TEXT),
	R("boolean", CF_UAST_LITERAL, H_TEXT),
	R("iota", CF_UAST_LITERAL, H_TEXT),
	R("simple_symbol", CF_UAST_LITERAL, H_TEXT),
	R("comment", CF_UAST_COMMENT, H_LEAF),
	R("line_comment", CF_UAST_COMMENT, H_LEAF),
	R("block_comment", CF_UAST_COMMENT, H_LEAF),

	/* imports */
	R("import_spec", CF_UAST_IMPORT, H_IMPORT),
	R("import_statement", CF_UAST_IMPORT, H_IMPORT),
	R("import_from_statement", CF_UAST_IMPORT, H_IMPORT),
	R("preproc_include", CF_UAST_IMPORT, H_IMPORT),
	R("import_declaration", CF_UAST_IMPORT, H_JAVA_IMPORT),
	R("use_declaration", CF_UAST_IMPORT, H_IMPORT),
	R("using_directive", CF_UAST_IMPORT, H_IMPORT),
	R("namespace_use_clause", CF_UAST_IMPORT, H_IMPORT),
	R("require_expression", CF_UAST_IMPORT, H_IMPORT),
	R("require_once_expression", CF_UAST_IMPORT, H_IMPORT),
	R("include_expression", CF_UAST_IMPORT, H_IMPORT),
	R("include_once_expression", CF_UAST_IMPORT, H_IMPORT),
};
const size_t uast_nr_generic_rules = sizeof(uast_generic_rules) / sizeof(uast_generic_rules[0]);

static const struct uast_rule go_rules[] = {
	R("method_declaration", CF_UAST_FUNCTION, H_GO_METHOD),
	R("type_spec", CF_UAST_CLASS, H_GO_TYPE),
	R("field_declaration", CF_UAST_FIELD, H_NAME),
	R("import_declaration", U_SKIP, H_NONE),
	R("qualified_type", U_SKIP, H_PRUNE),
};

static const struct uast_rule python_rules[] = {
	R("import_statement", U_SKIP, H_NONE),
	RP("dotted_name", "import_statement", CF_UAST_IMPORT, H_TEXT),
	RP("aliased_import", "import_statement", CF_UAST_IMPORT, H_NAME),
	RP("string", "expression_statement", CF_UAST_LITERAL, H_PY_STRING),
	R("attribute", CF_UAST_MEMBER, H_MEMBER),
};

static const struct uast_rule c_rules[] = {
	R("function_definition", CF_UAST_FUNCTION, H_CFUNC),
	R("case_statement", CF_UAST_CASE, H_CASE),
	R("field_declaration", CF_UAST_FIELD, H_FIELD),
	R("enum_specifier", CF_UAST_CLASS, H_CLASS_BODY),
};

static const struct uast_rule java_rules[] = {
	RP("variable_declarator", "field_declaration", U_SKIP, H_NONE),
};

static const struct uast_rule rust_rules[] = {
	R("field_declaration", CF_UAST_FIELD, H_NAME),
	R("self", CF_UAST_IDENT, H_TEXT),
	RP("identifier", "lifetime", U_SKIP, H_NONE),
};

static const struct uast_rule ruby_rules[] = {
	R("method", CF_UAST_FUNCTION, H_NAME),
	R("singleton_method", CF_UAST_FUNCTION, H_NAME),
	R("class", CF_UAST_CLASS, H_NAME),
	R("module", CF_UAST_CLASS, H_NAME),
	R("lambda", CF_UAST_LAMBDA, H_LAMBDA),
	R("block", CF_UAST_LAMBDA, H_LAMBDA),
	R("do_block", CF_UAST_LAMBDA, H_LAMBDA),
	R("if", CF_UAST_IF, H_NONE),
	R("unless", CF_UAST_IF, H_NONE),
	R("if_modifier", CF_UAST_IF, H_NONE),
	R("unless_modifier", CF_UAST_IF, H_NONE),
	RR("elsif", CF_UAST_IF, H_NONE, CF_ROLE_ELSEIF),
	R("else", CF_UAST_ELSE, H_NONE),
	R("while", CF_UAST_LOOP, H_NONE),
	R("until", CF_UAST_LOOP, H_NONE),
	R("for", CF_UAST_LOOP, H_NONE),
	R("while_modifier", CF_UAST_LOOP, H_NONE),
	R("until_modifier", CF_UAST_LOOP, H_NONE),
	R("case", CF_UAST_SWITCH, H_NONE),
	R("case_match", CF_UAST_SWITCH, H_NONE),
	R("when", CF_UAST_CASE, H_NONE),
	R("in_clause", CF_UAST_CASE, H_NONE),
	R("begin", CF_UAST_TRY, H_NONE),
	R("rescue", CF_UAST_CATCH, H_NONE),
	R("rescue_modifier", CF_UAST_CATCH, H_NONE),
	R("return", CF_UAST_RETURN, H_NONE),
	R("break", CF_UAST_BREAK, H_NONE),
	R("next", CF_UAST_CONTINUE, H_NONE),
	R("conditional", CF_UAST_TERNARY, H_NONE),
	R("binary", CF_UAST_BINARY, H_OP),
	R("unary", CF_UAST_UNARY, H_OP),
	R("operator_assignment", CF_UAST_ASSIGN, H_OP),
	R("call", CF_UAST_CALL, H_RUBY_CALL),
	R("instance_variable", CF_UAST_MEMBER, H_IVAR),
	R("class_variable", CF_UAST_IDENT, H_TEXT),
	R("global_variable", CF_UAST_IDENT, H_TEXT),
	R("string", CF_UAST_LITERAL, H_TEXT),
	R("symbol", CF_UAST_LITERAL, H_TEXT),
	R("hash_key_symbol", CF_UAST_LITERAL, H_TEXT),
};

static const struct uast_rule php_rules[] = {
	R("name", CF_UAST_IDENT, H_TEXT),
	R("case_statement", CF_UAST_CASE, H_CASE),
	RR("default_statement", CF_UAST_CASE, H_NONE, CF_ROLE_DEFAULT),
	R("match_expression", CF_UAST_SWITCH, H_NONE),
	R("function_definition", CF_UAST_FUNCTION, H_NAME),
	R("property_declaration", CF_UAST_FIELD, H_FIELD),
	R("nullsafe_member_access_expression", CF_UAST_MEMBER, H_MEMBER),
	R("nullsafe_member_call_expression", CF_UAST_CALL, H_CALL),
	R("object_creation_expression", CF_UAST_CALL, H_CALL),
	R("arrow_function", CF_UAST_LAMBDA, H_LAMBDA),
};

static const struct uast_rule csharp_rules[] = {
	R("property_declaration", CF_UAST_FIELD, H_NAME),
	R("object_creation_expression", CF_UAST_CALL, H_CALL),
};

static const struct uast_rule bash_rules[] = {
	R("command", CF_UAST_CALL, H_BASH_CMD),
	R("case_statement", CF_UAST_SWITCH, H_NONE),
	R("variable_assignment", CF_UAST_ASSIGN, H_OP),
	R("word", CF_UAST_LITERAL, H_TEXT),
	R("variable_name", CF_UAST_IDENT, H_TEXT),
	R("test_command", CF_UAST_UNARY, H_OP),
	R("list", CF_UAST_BINARY, H_OP),	/* a && b, a || b */
	R("extglob_pattern", CF_UAST_LITERAL, H_TEXT),
};

static const struct uast_rule js_rules[] = {
	R("import_statement", CF_UAST_IMPORT, H_IMPORT),
	R("field_definition", CF_UAST_FIELD, H_FIELD),
};

extern const TSLanguage *tree_sitter_go(void);
extern const TSLanguage *tree_sitter_python(void);
extern const TSLanguage *tree_sitter_javascript(void);
extern const TSLanguage *tree_sitter_typescript(void);
extern const TSLanguage *tree_sitter_tsx(void);
extern const TSLanguage *tree_sitter_c(void);
extern const TSLanguage *tree_sitter_cpp(void);
extern const TSLanguage *tree_sitter_java(void);
extern const TSLanguage *tree_sitter_rust(void);
extern const TSLanguage *tree_sitter_ruby(void);
extern const TSLanguage *tree_sitter_php(void);
extern const TSLanguage *tree_sitter_c_sharp(void);
extern const TSLanguage *tree_sitter_bash(void);

/*
 * Type names are not identifiers: with prune_types, what a field named
 * type, return_type, returns, type_arguments, type_parameters or
 * default_type holds is dropped, but for a class or function there (a C
 * struct with a body).  Go keeps its struct types in type fields, so its
 * qualified types are pruned by rule instead.
 */
#define L(name, fn, rules, prune) { name, fn, rules, sizeof(rules) / sizeof(rules[0]), prune }
const struct uast_lang uast_langs[] = {
	L("bash", tree_sitter_bash, bash_rules, 0),
	L("c", tree_sitter_c, c_rules, 1),
	L("c_sharp", tree_sitter_c_sharp, csharp_rules, 1),
	L("cpp", tree_sitter_cpp, c_rules, 1),
	L("go", tree_sitter_go, go_rules, 0),
	L("java", tree_sitter_java, java_rules, 1),
	L("javascript", tree_sitter_javascript, js_rules, 0),
	L("php", tree_sitter_php, php_rules, 1),
	L("python", tree_sitter_python, python_rules, 1),
	L("ruby", tree_sitter_ruby, ruby_rules, 0),
	L("rust", tree_sitter_rust, rust_rules, 1),
	L("tsx", tree_sitter_tsx, js_rules, 1),
	L("typescript", tree_sitter_typescript, js_rules, 1),
};
const size_t uast_nr_langs = sizeof(uast_langs) / sizeof(uast_langs[0]);
