include $(sort $(wildcard $(BR2_EXTERNAL_TMSP_PATH)/package/*/*.mk))
